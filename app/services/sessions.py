"""Sign-ins as database rows (docs/security.md, "Sessions").

A browser session and an API bearer token are each one `AuthSession` row holding the
SHA-256 of a random key; the cookie or the `Authorization` header carries the key. So
signing out, changing or resetting a password and deactivating a user end them at once,
on every worker. A browser session ends after `SESSION_LIFETIME_MINUTES` without a
request and after `SESSION_ABSOLUTE_LIFETIME_HOURS` however active it is; a token after
`TOKEN_LIFETIME_MINUTES`.
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Result, String, bindparam, delete, update
from sqlalchemy.orm import contains_eager
from sqlmodel import Session, col, select

from app.config import Settings
from app.errors import NotFound
from app.i18n import N_
from app.models import AuthSession, User, UserRole
from app.models.auth_session import SessionKind
from app.models.types import ID_MAX, id_of, utcnow

SESSION_NOT_FOUND = N_("指定されたログイン中の端末が見つかりません。")
# last_seen_at is written at most this often per session (a write per request is waste).
TOUCH_EVERY = timedelta(seconds=60)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def open_session(
    session: Session,
    *,
    user: User,
    kind: SessionKind,
    settings: Settings,
    address: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> str:
    """Start a sign-in for `user` and return its key (shown to the client once, never
    stored). Also clears the user's expired rows."""
    now = now or utcnow()
    if kind == SessionKind.browser:
        lifetime = timedelta(hours=settings.session_absolute_lifetime_hours)
    else:
        lifetime = timedelta(minutes=settings.token_lifetime_minutes)
    key = secrets.token_urlsafe(32)
    session.exec(
        delete(AuthSession).where(
            col(AuthSession.user_id) == user.id, col(AuthSession.expires_at) <= now
        )
    )
    session.add(
        AuthSession(
            key_hash=key_hash(key),
            kind=kind.value,
            user_id=id_of(user),
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            address=(address or "")[:64],
            user_agent=(user_agent or "")[:255],
        )
    )
    session.commit()
    return key


# Built once and run with the key's hash as a parameter: building the statement and its
# cache key on every request cost more than running it (docs/benchmarks.md).
_SIGNED_IN = (
    select(AuthSession, User)
    .join(User, col(User.id) == col(AuthSession.user_id))
    .outerjoin(UserRole, col(UserRole.user_id) == col(User.id))
    .options(contains_eager(User.role_rows))  # type: ignore[arg-type]
    .where(
        col(AuthSession.key_hash) == bindparam("key_hash", type_=String),
        col(AuthSession.kind) == bindparam("kind", type_=String),
    )
)


def resolve(
    session: Session,
    *,
    key: str | None,
    kind: SessionKind,
    settings: Settings,
    now: datetime | None = None,
) -> tuple[AuthSession, User] | None:
    """The live session behind `key` and its active user, or None (unknown, revoked,
    expired, idle too long, or the user deactivated)."""
    if not key or not isinstance(key, str) or len(key) > 256:
        return None
    now = now or utcnow()
    # One query for the session, its user and the user's roles (read on every request:
    # a revoked session or a role taken away counts from the next request on).
    # exec() types its answer as a TupleResult, a typing-only class; it is a Result, which
    # has unique() (needed with the joined roles).
    parameters = {"key_hash": key_hash(key), "kind": kind.value}
    result = cast(Result[AuthSession, User], session.exec(_SIGNED_IN, params=parameters))
    found = result.unique().first()
    if found is None:
        return None
    row, user = found
    idle = timedelta(minutes=settings.session_lifetime_minutes)
    expired = row.expires_at <= now or (
        kind == SessionKind.browser and row.last_seen_at + idle <= now
    )
    if expired or not user.is_active:
        session.exec(delete(AuthSession).where(col(AuthSession.id) == row.id))
        session.commit()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        session.exec(
            update(AuthSession).where(col(AuthSession.id) == row.id).values(last_seen_at=now)
        )
        session.commit()
        row.last_seen_at = now
    return row, user


def revoke(session: Session, *, session_id: int) -> None:
    """End one sign-in (sign-out). Committed by the caller's transaction."""
    session.exec(delete(AuthSession).where(col(AuthSession.id) == session_id))


def revoke_all(session: Session, *, user_id: int, keep_id: int | None = None) -> None:
    """End every sign-in of a user (password change or reset, deactivation, 「すべての
    端末からログアウト」), except `keep_id`. Committed by the caller's transaction."""
    query = delete(AuthSession).where(col(AuthSession.user_id) == user_id)
    if keep_id is not None:
        query = query.where(col(AuthSession.id) != keep_id)
    session.exec(query)


def list_sessions(
    session: Session, *, user_id: int, now: datetime | None = None
) -> list[AuthSession]:
    """The user's live sign-ins, most recently used first."""
    now = now or utcnow()
    return list(
        session.exec(
            select(AuthSession)
            .where(col(AuthSession.user_id) == user_id, col(AuthSession.expires_at) > now)
            .order_by(col(AuthSession.last_seen_at).desc(), col(AuthSession.id).desc())
        ).all()
    )


def revoke_own(session: Session, *, user_id: int, session_id: int) -> None:
    """A user ends one of their own sign-ins; someone else's is 404 like a missing one
    (and an id no row can have, which the database would refuse to compare)."""
    row = session.get(AuthSession, session_id) if 1 <= session_id <= ID_MAX else None
    if row is None or row.user_id != user_id:
        raise NotFound(SESSION_NOT_FOUND)
    revoke(session, session_id=session_id)
    session.commit()
