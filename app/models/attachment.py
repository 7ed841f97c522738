"""Files attached to a proposal, stored outside the web root under generated names."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class Attachment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    storage_name: str = Field(max_length=100, unique=True)
    uploaded_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AttachmentPublic(SQLModel):
    id: int
    filename: str
    content_type: str
    size: int
    created_at: datetime
