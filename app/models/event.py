"""The append-only audit trail of a proposal: one row per change, never updated."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class ProposalEvent(SQLModel, table=True):
    __tablename__ = "proposal_event"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    action: str = Field(max_length=40)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    reason: str | None = None
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EventPublic(SQLModel):
    id: int
    action: str
    from_status: str | None
    to_status: str | None
    actor_id: int | None
    reason: str | None
    changes: dict[str, Any]
    created_at: datetime
