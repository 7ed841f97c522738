"""Service keys: how the intranet portal and other systems call the API without a
person's password (docs/api-keys.md). Only the SHA-256 of a key is stored; the key itself
is shown once, when it is created."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer
from sqlmodel import Column, Field, SQLModel

from app.i18n import N_
from app.models.types import Day, Line, ModelConfig, UTCDateTime, utcnow


class Scope(StrEnum):
    proposals_read = "proposals:read"  # what staff with no proposal and no department read
    stats_read = "stats:read"  # /stats and the initiatives
    users_read = "users:read"  # the staff directory: users and departments
    users_write = "users:write"  # the roster import


SCOPE_LABELS = {
    Scope.proposals_read: N_("採用以降の提案の閲覧"),
    Scope.stats_read: N_("集計・DX推進計画の閲覧"),
    Scope.users_read: N_("職員名簿（職員・課）の閲覧"),
    Scope.users_write: N_("職員名簿の取込"),
}


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    # The key's first characters, kept in clear so an admin can tell keys apart.
    prefix: str = Field(max_length=16, unique=True)
    key_hash: str = Field(max_length=64, unique=True)
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("user.id", ondelete="SET NULL"), nullable=True),
    )
    # The key works through this day (Asia/Tokyo); None: until revoked.
    expires_on: date | None = None
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiKeyCreate(SQLModel):
    """POST /api-keys."""

    model_config = ModelConfig(extra="forbid")

    name: Line = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(min_length=1, max_length=4)
    expires_on: Day | None = None


class ApiKeyPublic(SQLModel):
    id: int
    name: str
    scopes: list[Scope]
    prefix: str
    created_at: datetime
    expires_on: date | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    """The answer to the creation, the only one that holds the key."""

    key: str
