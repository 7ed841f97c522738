"""Invitations (API.md "Staff roster import"): a one-time link, mailed to a person, to set
their password — how imported staff, who have none, first sign in. Only a hash of the
link's token is stored."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlmodel import Column, Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class Invitation(SQLModel, table=True):
    __tablename__ = "invitation"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("user.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    token_hash: str = Field(max_length=64, unique=True, index=True)  # sha256 hex
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("user.id", ondelete="SET NULL"), nullable=True),
    )


class InvitationSent(SQLModel):
    """The answer to an invitation: whom it was mailed to and until when the link works."""

    user_id: int
    email: str
    expires_at: datetime
