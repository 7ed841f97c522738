"""Service keys (docs/api-keys.md): created and revoked by an admin, used as
`Authorization: Bearer <key>`. A key acts as a principal with no person behind it:

- `proposals:read` reads what a staff member with no proposal of their own and no
  department may read (adopted and later), `stats:read` the figures and the plan,
  `users:read` the staff directory, `users:write` the roster import;
- every request is matched against `SCOPE_ROUTES`; one no scope of the key covers is 403,
  and nothing else — no write, no page — is open to a key;
- an expired or revoked key is 401, like an unknown one.
"""

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.errors import Forbidden, Invalid, NotFound
from app.i18n import N_
from app.models import ApiKey, User, UserRole
from app.models.api_key import ApiKeyCreate, Scope
from app.models.enums import Role
from app.models.types import utcnow
from app.wareki import today_jst

KEY_START = "teian_"
OUT_OF_SCOPE = N_("このサービスキーの権限（スコープ）ではこの操作はできません。")
PAST_EXPIRY = N_("有効期限には今日以降の日付を指定してください。")
KEY_NOT_FOUND = N_("指定されたサービスキーが見つかりません。")
TOUCH_EVERY = timedelta(seconds=60)

# (scope, method, path): the only requests a key may make. Read top to bottom.
SCOPE_ROUTES: tuple[tuple[Scope, str, re.Pattern[str]], ...] = tuple(
    (scope, method, re.compile(pattern))
    for scope, method, pattern in (
        (Scope.proposals_read, "GET", r"/api/v1/proposals(/.*)?"),
        (Scope.proposals_read, "GET", r"/api/v1/rounds(/.*)?"),
        (Scope.proposals_read, "GET", r"/api/v1/initiatives(/.*)?"),
        (Scope.stats_read, "GET", r"/api/v1/stats"),
        (Scope.stats_read, "GET", r"/api/v1/initiatives(/.*)?"),
        (Scope.users_read, "GET", r"/api/v1/users(/[0-9]+)?"),
        (Scope.users_read, "GET", r"/api/v1/departments(/[0-9]+)?"),
        (Scope.users_write, "POST", r"/api/v1/users/import"),
    )
)


def looks_like_key(token: str) -> bool:
    return token.startswith(KEY_START)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def scopes_for(method: str, path: str) -> set[Scope]:
    """The scopes, any one of which lets a key make this request."""
    method = "GET" if method == "HEAD" else method
    return {s for s, m, pattern in SCOPE_ROUTES if m == method and pattern.fullmatch(path)}


def create_key(session: Session, *, data: ApiKeyCreate, user: User) -> tuple[ApiKey, str]:
    """A new key and its secret text (returned once, never stored). 422 for a past
    expiry day."""
    if data.expires_on is not None and data.expires_on < today_jst():
        raise Invalid.field("expires_on", PAST_EXPIRY)
    prefix = KEY_START + secrets.token_hex(4)
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        name=data.name,
        prefix=prefix,
        key_hash=_hash(key),
        scopes=sorted({s.value for s in data.scopes}),
        created_by_id=user.id,
        expires_on=data.expires_on,
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return row, key


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, live ones first, newest first."""
    query = select(ApiKey).order_by(col(ApiKey.revoked_at).is_not(None), col(ApiKey.id).desc())
    return list(session.exec(query).all())


def revoke_key(session: Session, *, key_id: int) -> ApiKey:
    """Revokes a key (idempotent); 404 for an unknown one."""
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(KEY_NOT_FOUND)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.commit()
    return row


def principal_for(
    session: Session, *, token: str, method: str, path: str, now: datetime | None = None
) -> User | None:
    """The principal a live key acts as, or None (unknown, revoked, expired: 401).
    Forbidden (403) when none of the key's scopes covers the request."""
    row = session.exec(select(ApiKey).where(col(ApiKey.key_hash) == _hash(token))).first()
    now = now or utcnow()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_on is not None and row.expires_on < today_jst():
        return None
    if not scopes_for(method, path) & {Scope(s) for s in row.scopes}:
        raise Forbidden(OUT_OF_SCOPE)
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        session.exec(update(ApiKey).where(col(ApiKey.id) == row.id).values(last_used_at=now))
        session.commit()
    return _principal(row)


def _principal(row: ApiKey) -> User:
    """A user that is nobody: no id any row refers to, no department, no proposal. The
    directory scopes read through the admin-only user and department routes, so the key
    holds the admin role there (SCOPE_ROUTES lets it make nothing but those reads and
    the import)."""
    directory = {Scope.users_read.value, Scope.users_write.value} & set(row.scopes)
    roles = [UserRole(role=Role.admin.value)] if directory else []
    return User(
        id=-(row.id or 0),
        email=f"{row.prefix}@service-key.invalid",
        name=row.name,
        department_id=None,
        is_active=True,
        password_hash="",
        role_rows=roles,
    )
