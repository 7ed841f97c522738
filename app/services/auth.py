"""Sign-in: password check with throttling that reveals nothing about which part was wrong."""

from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, select

from app.config import Settings
from app.errors import NotAuthenticated, TooManyRequests
from app.i18n import N_
from app.models import LoginFailure, User
from app.models.types import utcnow
from app.security import verify_password

BAD_CREDENTIALS = N_("メールアドレスまたはパスワードが正しくありません。")
THROTTLED = N_("ログインの失敗が続いたため、しばらくしてからもう一度お試しください。")


def _normalise_email(email: str) -> str:
    return email.strip().lower()[:254]


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

    Raises TooManyRequests while the account or the address has too many recent failures
    (checked before the password, so guessing stops), and NotAuthenticated for a wrong
    password, an unknown e-mail or a disabled user alike. Each failure is recorded.
    """
    now = now or utcnow()
    email = _normalise_email(email)
    address = (address or "unknown")[:64]
    since = now - timedelta(minutes=settings.login_failure_window_minutes)
    recent = select(func.count()).select_from(LoginFailure).where(LoginFailure.created_at >= since)
    by_account = session.exec(recent.where(LoginFailure.email == email)).one()
    by_address = session.exec(recent.where(LoginFailure.address == address)).one()
    if (
        by_account >= settings.login_max_failures_per_account
        or by_address >= settings.login_max_failures_per_address
    ):
        retry = settings.login_failure_window_minutes * 60
        raise TooManyRequests(THROTTLED, headers={"Retry-After": str(retry)})

    user = session.exec(select(User).where(User.email == email)).first()
    password_ok = verify_password(password, user.password_hash if user else None)
    if user is None or not password_ok or not user.is_active:
        session.add(LoginFailure(email=email, address=address, created_at=now))
        session.commit()
        raise NotAuthenticated(BAD_CREDENTIALS)

    session.exec(delete(LoginFailure).where(LoginFailure.email == email))
    session.commit()
    return user


def active_user(session: Session, user_id: int | None) -> User | None:
    """The user behind a session or token, if they still exist and are active."""
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return user if user is not None and user.is_active else None
