"""The answer of GET /api/v1/stats (the figures are defined in app/services/stats.py and
docs/portal.md); rates are fractions 0–1 rounded to 4 places, null when nothing to divide."""

from sqlmodel import Field, SQLModel

from app.models.enums import Kind


class InitiativeFigures(SQLModel):
    """One DX initiative's figures (`initiative_id` null: proposals tied to none)."""

    initiative_id: int | None
    number: int | None
    title: str
    proposals: int
    adopted: int
    completed: int
    requested_yen: int
    approved_yen: int
    hours_saved_estimated: float
    hours_saved_actual: float
    savings_yen_estimated: int
    savings_yen_actual: int


class DepartmentFigures(SQLModel):
    """One department's figures; small departments counted together (`merged: true`)."""

    department_id: int | None
    name: str
    merged: bool
    proposals: int
    proposers: int
    staff: int
    participation_rate: float | None
    proposals_per_head: float | None
    adopted: int
    completed: int


class KindFigures(SQLModel):
    kind: Kind
    label: str
    proposals: int
    adopted: int


class BudgetFigures(SQLModel):
    requested_yen: int
    approved_yen: int


class EffectFigures(SQLModel):
    """Estimated and target effects of adopted proposals, actual ones of completed ones."""

    hours_saved_estimated: float
    hours_saved_target: float
    hours_saved_actual: float
    savings_yen_estimated: int
    savings_yen_target: int
    savings_yen_actual: int
    actual_cost_yen: int
    hourly_staff_cost_yen: int
    hours_as_yen_estimated: int
    hours_as_yen_actual: int
    hours_as_yen_target: int
    total_yen_estimated: int = Field(
        description="hours as yen + 削減額 (money other than staff time): staff time counted "
        "once — a 削減額 equal to its proposal's hours' conversion is left out"
    )
    total_yen_target: int
    total_yen_actual: int


class MedianDays(SQLModel):
    """Median days spent in each stage (null when no proposal went through it)."""

    intake: float | None
    review: float | None
    preparation: float | None
    execution: float | None


class Stage(SQLModel):
    stage: str
    label: str


class StatsPublic(SQLModel):
    fiscal_year: int
    fiscal_year_label: str
    initiative_id: int | None
    proposals: int
    by_status: dict[str, int]
    by_status_label: dict[str, str]
    by_initiative: list[InitiativeFigures]
    by_department: list[DepartmentFigures]
    by_kind: list[KindFigures]
    proposers: int
    active_staff: int
    participation_rate: float | None
    adopted: int
    decided: int
    completed: int
    adoption_rate: float | None
    implementation_rate: float | None
    budget: BudgetFigures
    effects: EffectFigures
    median_days: MedianDays
    stages: list[Stage]
