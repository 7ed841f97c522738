"""Rounds (募集回): one standing 随時 round per fiscal year, and theme rounds (課題提案)."""

from datetime import date, datetime

from pydantic import model_validator
from sqlmodel import Field, SQLModel

from app.i18n import N_
from app.models.enums import RoundKind
from app.models.types import Day, ModelConfig, NonBlankLine, Text, UTCDateTime, utcnow


class Round(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    fiscal_year: int = Field(index=True)
    kind: str = Field(max_length=20)
    title: str = Field(max_length=200)
    description: str = Field(default="")
    starts_on: date | None = None
    ends_on: date | None = None
    # Set only on the standing round, so the database keeps one per fiscal year.
    standing_fiscal_year: int | None = Field(default=None, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RoundCreate(SQLModel):
    """A theme round (課題提案); standing rounds are made by the system."""

    model_config = ModelConfig(extra="forbid")

    title: NonBlankLine = Field(max_length=200)
    description: Text = Field(default="", max_length=10_000)
    starts_on: Day
    ends_on: Day

    @model_validator(mode="after")
    def _dates_in_order(self) -> "RoundCreate":
        if self.ends_on < self.starts_on:
            raise ValueError(N_("終了日は開始日以降にしてください。"))
        return self


class RoundPublic(SQLModel):
    id: int
    fiscal_year: int
    fiscal_year_label: str
    kind: RoundKind
    title: str
    description: str
    starts_on: date | None
    ends_on: date | None
