"""Execution (実施): the implementing department's weighted milestones, progress updates and
the reminders already sent for them. The start and completion data (owner, planned end date,
the completion report and the actual effects) live on the proposal itself."""

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator
from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy import Text as SAText
from sqlmodel import Field, SQLModel

from app.i18n import N_
from app.models.numbers import HoursSaved, SavingsYen, Yen
from app.models.page import Page
from app.models.proposal import ProposalPublic
from app.models.types import (
    NON_BLANK_TEXT_SCHEMA,
    NON_CONTROL,
    Day,
    Flag,
    Id,
    ModelConfig,
    NonBlankLine,
    Text,
    UTCDateTime,
    not_blank,
    utcnow,
)

WEIGHT_MAX = 100


class Milestone(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("proposal.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    title: str = Field(max_length=200)
    due_date: date
    weight: int = Field(default=1)
    done_on: date | None = None
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProgressUpdate(SQLModel, table=True):
    __tablename__ = "progress_update"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("proposal.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    percent: int
    note: str = Field(default="", sa_type=SAText)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReminderSent(SQLModel, table=True):
    """One row per reminder already sent: its key (what, which and for which due date) is
    unique, so running `send-reminders` again — even at the same moment on two hosts —
    sends nothing twice."""

    __tablename__ = "reminder_sent"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120, unique=True)
    proposal_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("proposal.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# -- schemas ----------------------------------------------------------------------------------


class StartBody(SQLModel):
    """POST /proposals/{id}/start: the owner (担当者, a member of the implementing
    department; the caller when omitted) and the planned end date."""

    model_config = ModelConfig(extra="forbid")

    planned_end_date: Day | None = None
    owner_id: Id | None = None


REPORT_REQUIRED = N_("実施内容の報告を入力してください。")
ReportText = Annotated[
    str, NON_CONTROL, AfterValidator(not_blank(REPORT_REQUIRED)), NON_BLANK_TEXT_SCHEMA
]


class CompleteBody(SQLModel):
    """POST /proposals/{id}/complete: the completion report with the actual effects."""

    model_config = ModelConfig(extra="forbid")

    report: ReportText = Field(max_length=10_000)
    actual_cost_yen: Yen
    actual_hours_saved_per_year_hours: HoursSaved
    actual_savings_yen_per_year: SavingsYen
    measured_on: Day | None = None
    close_open_milestones: Flag = Field(
        default=False,
        description="required (true) while milestones are open: they are closed (done) on "
        "the completion date; 422 otherwise",
    )


class MilestoneIn(SQLModel):
    model_config = ModelConfig(extra="forbid")

    title: NonBlankLine = Field(max_length=200)
    due_date: Day
    weight: int = Field(default=1, ge=1, le=WEIGHT_MAX)


class MilestonePatch(SQLModel):
    model_config = ModelConfig(extra="forbid")

    title: NonBlankLine | None = Field(default=None, max_length=200)
    due_date: Day | None = None
    weight: int | None = Field(default=None, ge=1, le=WEIGHT_MAX)
    done: Flag | None = None
    done_on: Day | None = None


class ProgressIn(SQLModel):
    """A progress report. The percentage has one source: the weighted milestones when the
    proposal has any (leave `percent` out; it is recorded from them), else the figure
    typed here (then required)."""

    model_config = ModelConfig(extra="forbid")

    percent: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description="required when the proposal has no milestones; with milestones, omit "
        "it (or give the derived figure): progress is theirs",
    )
    note: Text = Field(default="", max_length=10_000)


class MilestonePublic(SQLModel):
    id: int
    proposal_id: int
    title: str
    due_date: date
    weight: int
    done: bool
    done_on: date | None
    overdue: bool
    created_at: datetime
    updated_at: datetime


class ProgressPublic(SQLModel):
    id: int
    proposal_id: int
    percent: int
    note: str
    author_id: int | None
    created_at: datetime


class MilestonesPage(Page[MilestonePublic]):
    """The proposal's milestones, with its derived progress and whether it is overdue."""

    progress_percent: int | None
    overdue: bool


class ExecutionBoard(SQLModel):
    """GET /execution/board: a department's proposals being carried out and waiting."""

    department_id: int
    department_name: str
    in_progress: list[ProposalPublic]
    waiting: list[ProposalPublic]
    overdue: int
