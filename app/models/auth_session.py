"""Signed-in sessions and API tokens, and sign-in throttling: rows in the database, so a
sign-out, a password change or a deactivation ends them at once on every worker
(docs/security.md)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer
from sqlmodel import Column, Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class SessionKind(StrEnum):
    browser = "browser"  # the page cookie
    token = "token"  # an API bearer token from POST /api/v1/auth/token


class AuthSession(SQLModel, table=True):
    """One sign-in. Only the SHA-256 of its secret key is stored: a copy of the table
    signs nobody in."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=10)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("user.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    address: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=255)


class AuthSessionPublic(SQLModel):
    """A session as its owner sees it (never its key)."""

    id: int
    kind: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    address: str
    user_agent: str
    current: bool


class LoginThrottle(SQLModel, table=True):
    """Sign-in attempts per (e-mail, address) pair, and per address across accounts
    (e-mail "*"), counted atomically before the password is checked."""

    __tablename__ = "login_throttle"

    email: str = Field(max_length=254, primary_key=True)
    address: str = Field(max_length=64, primary_key=True)
    attempts: int = Field(default=0)  # since the last quiet window
    last_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    blocked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
