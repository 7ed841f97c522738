"""Proposals (提案), their co-authors and the fiscal-year number counter."""

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator
from sqlalchemy import Column, ForeignKey, Index, Integer
from sqlalchemy import Text as SAText
from sqlmodel import Field, Relationship, SQLModel

from app.i18n import N_
from app.models.enums import Category, Kind, Outcome, Status
from app.models.numbers import HoursSaved, SavingsYen, Yen
from app.models.types import (
    NON_BLANK_TEXT_SCHEMA,
    NON_CONTROL,
    Flag,
    Id,
    ModelConfig,
    NonBlankLine,
    ReasonText,
    Text,
    UTCDateTime,
    no_null_defaults,
    not_blank,
    utcnow,
)

TITLE_MAX = 200
TEXT_MAX = 10_000
TEXT_FIELDS = ("summary", "current_situation", "proposal_text", "expected_effect")


# Every column the figures (services/stats.py) read of a fiscal year's proposals, so that
# /stats and the dashboard read this index alone instead of rows scattered through the table.
STATS_INDEX_COLUMNS = (
    "fiscal_year", "status", "initiative_id", "department_id", "kind", "author_id",
    "estimated_hours_saved_per_year_hours", "estimated_savings_yen_per_year",
    "target_hours_saved_per_year_hours", "target_savings_yen_per_year",
    "actual_hours_saved_per_year_hours", "actual_savings_yen_per_year", "actual_cost_yen",
    "submitted_at", "accepted_at", "decided_at", "started_at", "completed_at", "id",
)  # fmt: skip


class Proposal(SQLModel, table=True):
    # For the lists (docs/benchmarks.md): newest first without sorting every visible row
    # (with the columns visibility asks, so a page's skipped rows are not read), the
    # visibility count from an index alone, and the year-and-status filters; and the
    # figures' covering index.
    __table_args__ = (
        Index("ix_proposal_updated_at_id_status_author", "updated_at", "id", "status", "author_id"),
        Index("ix_proposal_status_author_id", "status", "author_id"),
        Index("ix_proposal_fiscal_year_status", "fiscal_year", "status"),
        Index("ix_proposal_stats", *STATS_INDEX_COLUMNS),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str | None = Field(default=None, max_length=20, unique=True)
    version: int = Field(default=1)

    title: str = Field(max_length=TITLE_MAX)
    summary: str = Field(default="", sa_type=SAText)
    current_situation: str = Field(default="", sa_type=SAText)
    proposal_text: str = Field(default="", sa_type=SAText)
    expected_effect: str = Field(default="", sa_type=SAText)
    kind: str = Field(default=Kind.improvement.value, max_length=20)
    category: str = Field(default=Category.other.value, max_length=20)
    already_implemented: bool = Field(default=False)

    initiative_id: int | None = Field(default=None, foreign_key="initiative.id", index=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    author_id: int = Field(foreign_key="user.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)

    estimated_cost_yen: int | None = None
    estimated_hours_saved_per_year_hours: float | None = None
    estimated_savings_yen_per_year: int | None = None

    supervisor_opinion: str | None = Field(default=None, sa_type=SAText)
    supervisor_opinion_by_id: int | None = Field(default=None, foreign_key="user.id")
    supervisor_opinion_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    # Review (kept in step by the review service on every change).
    score: float | None = None
    reviews_in: int = Field(default=0)
    reviewers_assigned: int = Field(default=0)
    needs_discussion: bool = Field(default=False)

    # Decision (審査結果).
    outcome: str | None = Field(default=None, max_length=30)
    decision_reason: str | None = Field(default=None, sa_type=SAText)
    award: str | None = Field(default=None, max_length=30)
    implementing_department_id: int | None = Field(
        default=None, foreign_key="department.id", index=True
    )
    target_hours_saved_per_year_hours: float | None = None
    target_savings_yen_per_year: int | None = None
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")

    # The current budget record's status (kept by the budget service), so the lifecycle's
    # guards need no query of their own.
    budget_status: str | None = Field(default=None, max_length=20)

    # Execution (実施): started by the implementing department, completed with a report.
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    planned_end_date: date | None = None
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completion_report: str | None = Field(default=None, sa_type=SAText)
    actual_cost_yen: int | None = None
    actual_hours_saved_per_year_hours: float | None = None
    actual_savings_yen_per_year: int | None = None
    effect_measured_on: date | None = None
    # Derived from the milestones and progress updates, kept in step by the execution
    # service on every change so lists and roll-ups need no extra query.
    progress_percent: int | None = None
    open_due_date: date | None = Field(default=None, index=True)

    status: str = Field(default=Status.draft.value, max_length=20, index=True)
    fiscal_year: int = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    co_author_rows: list["ProposalCoAuthor"] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "lazy": "selectin"}
    )

    @property
    def co_author_ids(self) -> list[int]:
        return sorted(row.user_id for row in self.co_author_rows)

    def is_author(self, user_id: int | None) -> bool:
        """The author or one of the co-authors."""
        return user_id == self.author_id or user_id in self.co_author_ids


class ProposalCoAuthor(SQLModel, table=True):
    __tablename__ = "proposal_co_author"

    # Set at flush by Proposal.co_author_rows, like a primary key (rows are built without it).
    proposal_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True),
    )
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("user.id"), primary_key=True, index=True)
    )


class ProposalCounter(SQLModel, table=True):
    """The last serial handed out per fiscal year (R7-0003 → 3)."""

    __tablename__ = "proposal_counter"

    fiscal_year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_serial: int = Field(default=0)


class ProposalWrite(SQLModel):
    """Fields an author may set; status, number, author and timestamps are not among them."""

    model_config = ModelConfig(extra="forbid")

    summary: Text = Field(default="", max_length=TEXT_MAX)
    current_situation: Text = Field(default="", max_length=TEXT_MAX)
    proposal_text: Text = Field(default="", max_length=TEXT_MAX)
    expected_effect: Text = Field(default="", max_length=TEXT_MAX)
    kind: Kind = Kind.improvement
    category: Category = Category.other
    already_implemented: Flag = False
    initiative_id: Id | None = None
    round_id: Id | None = None
    co_author_ids: list[Id] = Field(default_factory=list, max_length=20)
    estimated_cost_yen: Yen | None = None
    estimated_hours_saved_per_year_hours: HoursSaved | None = None
    estimated_savings_yen_per_year: SavingsYen | None = None


class ProposalCreate(ProposalWrite):
    title: NonBlankLine = Field(max_length=TITLE_MAX)


class ProposalUpdate(SQLModel):
    """PATCH: only the fields sent change. Texts, the initiative and the amounts may be
    cleared with null; the title, kind, category, flag and co-authors may not."""

    model_config = ModelConfig(extra="forbid", json_schema_extra=no_null_defaults)
    # `Field(default=None)` where null is refused: the field may be left out, but None is
    # not a value of its type.
    title: NonBlankLine = Field(default=None, max_length=TITLE_MAX)
    summary: Text | None = Field(default=None, max_length=TEXT_MAX)
    current_situation: Text | None = Field(default=None, max_length=TEXT_MAX)
    proposal_text: Text | None = Field(default=None, max_length=TEXT_MAX)
    expected_effect: Text | None = Field(default=None, max_length=TEXT_MAX)
    kind: Kind = Field(default=None)
    category: Category = Field(default=None)
    already_implemented: Flag = Field(default=None)
    initiative_id: Id | None = None
    round_id: Id | None = None
    co_author_ids: list[Id] = Field(default=None, max_length=20)
    estimated_cost_yen: Yen | None = None
    estimated_hours_saved_per_year_hours: HoursSaved | None = None
    estimated_savings_yen_per_year: SavingsYen | None = None


class ReasonBody(SQLModel):
    """withdraw: a reason may be given."""

    model_config = ModelConfig(extra="forbid")
    reason: Text | None = Field(default=None, max_length=TEXT_MAX)


class RequiredReasonBody(SQLModel):
    """return, not-accept: the reason is required and not blank."""

    model_config = ModelConfig(extra="forbid")
    reason: ReasonText = Field(max_length=TEXT_MAX)


class EmptyBody(SQLModel):
    model_config = ModelConfig(extra="forbid")


OpinionText = Annotated[
    str,
    NON_CONTROL,
    AfterValidator(not_blank(N_("意見を入力してください。"))),
    NON_BLANK_TEXT_SCHEMA,
]


class OpinionBody(SQLModel):
    model_config = ModelConfig(extra="forbid")
    opinion: OpinionText = Field(max_length=TEXT_MAX)


class DecideBody(SQLModel):
    model_config = ModelConfig(extra="forbid")

    outcome: Outcome
    reason: ReasonText = Field(max_length=TEXT_MAX)
    award: str | None = Field(default=None, max_length=30)
    implementing_department_id: Id | None = None
    target_hours_saved_per_year_hours: HoursSaved | None = None
    target_savings_yen_per_year: SavingsYen | None = None


class SearchMatch(SQLModel):
    """Why a proposal is in the results of a search (`q`): a window of the first text
    where the query matched, and the words of it that matched (docs/text.md)."""

    snippet: str
    matched_words: list[str]


class ProposalPublic(SQLModel):
    id: int
    number: str | None
    version: int
    title: str
    summary: str
    current_situation: str
    proposal_text: str
    expected_effect: str
    kind: Kind
    category: Category
    already_implemented: bool
    initiative_id: int | None
    round_id: int
    author_id: int | None
    co_author_ids: list[int] | None
    department_id: int | None
    estimated_cost_yen: int | None
    estimated_hours_saved_per_year_hours: float | None
    estimated_savings_yen_per_year: int | None
    supervisor_opinion: str | None
    supervisor_opinion_at: datetime | None
    status: Status
    fiscal_year: int
    fiscal_year_label: str
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    accepted_at: datetime | None
    decided_at: datetime | None
    completed_at: datetime | None
    # The review's aggregate: null for all but the secretariat until the decision, and
    # 要協議 (needs_discussion) null for all but the secretariat (services/disclosure.py).
    score: float | None
    reviews_in: int | None
    reviewers_assigned: int | None
    needs_discussion: bool | None
    outcome: Outcome | None
    decision_reason: str | None
    award: str | None
    implementing_department_id: int | None
    target_hours_saved_per_year_hours: float | None
    target_savings_yen_per_year: int | None
    budget_status: str | None
    owner_id: int | None
    planned_end_date: date | None
    started_at: datetime | None
    completion_report: str | None
    actual_cost_yen: int | None
    actual_hours_saved_per_year_hours: float | None
    actual_savings_yen_per_year: int | None
    effect_measured_on: date | None
    allowed_actions: list[str]
    progress_percent: int | None
    overdue: bool
    # Only in search results (GET /proposals?q=): where and how the query matched.
    match: SearchMatch | None = None
