"""Sign-in: the password check, with throttling that reveals nothing about which part was
wrong (docs/security.md, "Sign-in throttling").

Attempts are counted per (e-mail, address) pair and per address across all accounts, in
`login_throttle` rows. Each attempt is *reserved* with one conditional UPDATE before the
password is checked, so parallel guesses cannot slip past the count on either database:
the row lock (PostgreSQL) or the write lock (SQLite) lets one reservation through at a
time. The first `LOGIN_MAX_FAILURES_PER_ACCOUNT` attempts of a pair are free; each one
after that blocks the pair for a delay that doubles (30 s, 60 s, 120 s, …) up to the
window (`LOGIN_FAILURE_WINDOW_MINUTES`); the count starts again after a whole window
without an attempt, or at a success. There is deliberately no lock on the account alone:
a stranger guessing from another address cannot lock the owner out of their own correct
password from their usual address.
"""

from datetime import datetime, timedelta
from math import ceil

from sqlalchemy import and_, case, delete, or_, update
from sqlmodel import Session, col

from app.config import Settings
from app.db import insert_if_absent, table_of
from app.errors import NotAuthenticated, TooManyRequests
from app.i18n import N_
from app.models import LoginThrottle, User
from app.models.types import utcnow
from app.security import verify_password
from app.services.users import find_by_login

BAD_CREDENTIALS = N_("メールアドレス（または職員番号）かパスワードが正しくありません。")
THROTTLED = N_("ログインの失敗が続いたため、しばらくしてからもう一度お試しください。")
ANY_ACCOUNT = "*"
FIRST_DELAY = timedelta(seconds=30)


def _normalise_email(email: str) -> str:
    return email.strip().lower()[:254]


def _delay(attempts: int, free: int, window: timedelta) -> timedelta | None:
    """How long a key is blocked after its `attempts`-th attempt in the window."""
    if attempts < free:
        return None
    return min(FIRST_DELAY * 2 ** (attempts - free), window)


def _reserve(
    session: Session, *, email: str, address: str, free: int, window: timedelta, now: datetime
) -> datetime | None:
    """Count one attempt for the key; None when it may go ahead, else when it may retry.

    One conditional UPDATE both checks the block and counts the attempt, so two requests
    can never both see the same count. Not committed here: the caller commits every key of
    the attempt together."""
    table = table_of(LoginThrottle)
    insert_if_absent(
        session,
        table,
        {"email": email, "address": address, "attempts": 0, "last_attempt_at": now},
        ["email", "address"],
    )
    # The count starts again only after a whole window without any attempt.
    stale = col(LoginThrottle.last_attempt_at) <= now - window
    counted = session.exec(
        update(LoginThrottle)
        .where(
            col(LoginThrottle.email) == email,
            col(LoginThrottle.address) == address,
            or_(
                col(LoginThrottle.blocked_until).is_(None),
                col(LoginThrottle.blocked_until) <= now,
            ),
        )
        .values(
            attempts=case((stale, 1), else_=col(LoginThrottle.attempts) + 1),
            last_attempt_at=now,
            blocked_until=None,
        )
        .returning(col(LoginThrottle.attempts))
    ).first()
    if counted is None:
        row = session.get(LoginThrottle, (email, address))
        return row.blocked_until if row is not None else now
    delay = _delay(counted[0], free, window)
    if delay is not None:
        session.exec(
            update(LoginThrottle)
            .where(col(LoginThrottle.email) == email, col(LoginThrottle.address) == address)
            .values(blocked_until=now + delay)
        )
    return None


def _throttled(retry_at: datetime, now: datetime) -> TooManyRequests:
    seconds = max(1, ceil((retry_at - now).total_seconds()))
    return TooManyRequests(THROTTLED, headers={"Retry-After": str(seconds)})


def authenticate(
    session: Session,
    *,
    email: str,
    password: str,
    address: str,
    settings: Settings,
    now: datetime | None = None,
) -> User:
    """The active user with these credentials.

    Raises TooManyRequests (with Retry-After) while the (e-mail, address) pair or the
    address is blocked, before the password is looked at, and NotAuthenticated for a
    wrong password, an unknown e-mail or a disabled user alike.
    """
    now = now or utcnow()
    email = _normalise_email(email)
    if email == ANY_ACCOUNT:  # never the address-wide key
        email = "?"
    address = (address or "unknown")[:64]
    window = timedelta(minutes=settings.login_failure_window_minutes)
    keys = (
        (email, address, settings.login_max_failures_per_account),
        (ANY_ACCOUNT, address, settings.login_max_failures_per_address),
    )
    for key_email, key_address, free in keys:
        retry_at = _reserve(
            session, email=key_email, address=key_address, free=free, window=window, now=now
        )
        if retry_at is not None:
            session.rollback()
            raise _throttled(retry_at, now)
    session.commit()  # the attempt is counted before the (slow) password check

    user = find_by_login(session, login=email)  # the e-mail, or else the 職員番号
    password_ok = verify_password(password, user.password_hash if user else None)
    if user is None or not password_ok or not user.is_active:
        raise NotAuthenticated(BAD_CREDENTIALS)

    # Success: the pair starts afresh, and this attempt no longer counts for the address.
    session.exec(
        delete(LoginThrottle).where(
            col(LoginThrottle.email) == email, col(LoginThrottle.address) == address
        )
    )
    session.exec(
        update(LoginThrottle)
        .where(
            and_(col(LoginThrottle.email) == ANY_ACCOUNT, col(LoginThrottle.address) == address),
            col(LoginThrottle.attempts) > 0,
        )
        .values(attempts=col(LoginThrottle.attempts) - 1)
    )
    session.commit()
    return user
