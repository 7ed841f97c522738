"""Budget records (予算): finance's decision on the money an adopted proposal needs, per
fiscal year. A proposal keeps every record; the newest is the current one, so a denied
request can be requested again for a later year without losing the history."""

from datetime import date, datetime

from sqlalchemy import Text as SAText
from sqlmodel import Field, SQLModel

from app.models.enums import BudgetStatus, BudgetType, FundingSource
from app.models.numbers import Yen
from app.models.page import Page
from app.models.types import (
    FiscalYear,
    Flag,
    Line,
    ModelConfig,
    ReasonText,
    Text,
    UTCDateTime,
    utcnow,
)


class BudgetRecord(SQLModel, table=True):
    __tablename__ = "budget_record"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    required: bool = Field(default=True)
    fiscal_year: int = Field(index=True)
    budget_type: str = Field(default=BudgetType.initial.value, max_length=20)
    requested_yen: int | None = None
    approved_yen: int | None = None
    account: str | None = Field(default=None, max_length=100)
    funding_source: str = Field(default=FundingSource.general.value, max_length=20)
    note: str | None = Field(default=None, sa_type=SAText)
    status: str = Field(default=BudgetStatus.requested.value, max_length=20, index=True)
    decided_by_id: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BudgetIn(SQLModel):
    """PUT /proposals/{id}/budget (API.md)."""

    model_config = ModelConfig(extra="forbid")

    required: Flag
    fiscal_year: FiscalYear
    budget_type: BudgetType = BudgetType.initial
    requested_yen: Yen | None = None
    approved_yen: Yen | None = None
    account: Line | None = Field(default=None, max_length=100)
    funding_source: FundingSource = FundingSource.general
    note: Text | None = Field(default=None, max_length=10_000)


class ApproveIn(SQLModel):
    model_config = ModelConfig(extra="forbid")
    approved_yen: Yen = Field(gt=0)


class DenyIn(SQLModel):
    model_config = ModelConfig(extra="forbid")
    reason: ReasonText = Field(max_length=10_000)


class BudgetPublic(SQLModel):
    id: int
    proposal_id: int
    required: bool
    fiscal_year: FiscalYear
    fiscal_year_label: str
    budget_type: BudgetType
    requested_yen: int | None
    approved_yen: int | None
    account: str | None
    funding_source: FundingSource
    note: str | None
    status: BudgetStatus
    decided_at: datetime | None
    created_at: datetime
    updated_at: datetime


class BudgetHistory(Page[BudgetPublic]):
    """A proposal's budget records, newest first, and the current (newest) one."""

    current: BudgetPublic | None


class BudgetYearRecord(BudgetPublic):
    """A record of the fiscal year's budget list, with its proposal's number and title."""

    number: str | None
    title: str
    initiative_id: int | None
    implementing_department_id: int | None


class InitiativeBudget(SQLModel):
    """The year's sums for one DX initiative (`initiative_id` null: tied to none)."""

    initiative_id: int | None
    requested_yen: int
    approved_yen: int
    records: int


class DepartmentBudget(SQLModel):
    """The year's sums for one implementing department (null: none set yet)."""

    department_id: int | None
    requested_yen: int
    approved_yen: int
    records: int


class BudgetYear(Page[BudgetYearRecord]):
    """GET /budget: the records whose money is for the fiscal year, with totals."""

    fiscal_year: int
    fiscal_year_label: str
    requested_yen_total: int
    approved_yen_total: int
    by_initiative: list[InitiativeBudget]
    by_department: list[DepartmentBudget]


class QueuedProposal(SQLModel):
    """An adopted proposal awaiting a budget decision, with its request deadline."""

    id: int
    number: str | None
    title: str
    budget_status: BudgetStatus | None
    requested_yen: int | None
    deadline: date | None
    late: bool


class BudgetQueueYear(SQLModel):
    """Finance's queue for the fiscal year the money is needed in."""

    fiscal_year: int
    fiscal_year_label: str
    proposals: list[QueuedProposal]
