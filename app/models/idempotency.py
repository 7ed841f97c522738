"""Answers kept for `Idempotency-Key` (API) and one-time form keys (pages), so a request
sent twice — a retried portal call, a double-clicked button — creates one thing and gets
the first answer again (app/idempotency.py, docs/integrity.md)."""

from datetime import datetime

from sqlalchemy import JSON, LargeBinary, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("principal", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    # SHA-256 of the caller's credential (token or session key): keys are per caller.
    principal: str = Field(max_length=64)
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    # None while the first request is still being answered.
    status_code: int | None = Field(default=None)
    headers: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    body: bytes = Field(default=b"", sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
