"""What the finance pages show: the queue by fiscal year with its request deadline, the
year's records with names and totals, and the budget panel of the proposal page. Reads
only; the rules are app/rules/, the work budget.py's."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from app import rules
from app.models import BudgetRecord, Department, Initiative, Proposal, User
from app.models.enums import BudgetType, FundingSource
from app.models.types import id_of
from app.services import budget
from app.wareki import today_jst


@dataclass
class QueueGroup:
    fiscal_year: int
    deadline: date | None  # when the 当初予算 request for this year's money is due
    late: bool
    items: list[budget.QueueItem]

    @property
    def late_count(self) -> int:
        return sum(1 for item in self.items if item.late)


def queue_groups(
    session: Session, *, user: User, deadline_mmdd: str, today: date | None = None
) -> list[QueueGroup]:
    """budget.queue as groups, each with the initial-budget deadline of its year."""
    today = today or today_jst()
    groups = budget.queue(session, user=user, deadline_mmdd=deadline_mmdd, today=today)
    result = []
    for year, items in groups.items():
        deadline = budget.request_deadline(year, BudgetType.initial.value, deadline_mmdd)
        result.append(QueueGroup(year, deadline, deadline is not None and today > deadline, items))
    return result


def window_years(extra: int | None = None) -> list[int]:
    """The fiscal years a budget may be recorded for, and `extra` if given."""
    first, last = budget.year_window()
    years = set(range(first, last + 1))
    if extra is not None:
        years.add(extra)
    return sorted(years)


@dataclass
class TotalRow:
    key: str  # a stable element id: "initiative-3", "initiative-none", "department-7"
    name: str | None  # None: no initiative (なし) or no department yet (未定)
    requested_yen: int = 0
    approved_yen: int = 0
    records: int = 0
    department_id: int | None = None


@dataclass
class YearPage:
    view: budget.YearView
    initiatives: dict[int, Initiative]
    departments: dict[int, str]
    by_initiative: list[TotalRow]
    by_department: list[TotalRow]
    years: list[int]


def _total(key: str, name: str | None, row: dict[str, Any] | None) -> TotalRow:
    if row is None:
        return TotalRow(key, name)
    return TotalRow(key, name, row["requested_yen"], row["approved_yen"], row["records"])


def year_page(session: Session, view: budget.YearView) -> YearPage:
    """The year's view with names: every DX initiative (zeros included) and なし, and the
    implementing departments that have records."""
    initiatives = {
        id_of(i): i for i in session.exec(select(Initiative).order_by(col(Initiative.number))).all()
    }
    departments = session.exec(select(Department).order_by(col(Department.code))).all()
    names = {id_of(d): d.name for d in departments}
    order = {d.id: position for position, d in enumerate(departments)}
    by_initiative = {row["initiative_id"]: row for row in view.by_initiative}
    initiative_rows = [
        _total(f"initiative-{i.id}", f"{i.number}. {i.title}", by_initiative.get(i.id))
        for i in initiatives.values()
    ]
    initiative_rows.append(_total("initiative-none", None, by_initiative.get(None)))
    department_rows = []
    for row in view.by_department:
        department_id = row["department_id"]
        total = _total(f"department-{department_id or 'none'}", names.get(department_id), row)
        total.department_id = department_id
        department_rows.append(total)
    # In the order of the department codes; 未定 (no implementing department yet) last.
    department_rows.sort(key=lambda r: order.get(r.department_id, len(order)))
    recorded = session.exec(select(BudgetRecord.fiscal_year).distinct()).all()
    years = sorted({*window_years(view.fiscal_year), *recorded})
    return YearPage(
        view=view,
        initiatives=initiatives,
        departments=names,
        by_initiative=initiative_rows,
        by_department=department_rows,
        years=years,
    )


def _yen_text(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def request_values(proposal: Proposal, record: BudgetRecord | None) -> dict[str, Any]:
    """The request form's starting values: the current request to correct, or a new one
    for the year the proposal needs money in (kept inside the window)."""
    if record is not None and rules.is_in(record.status, rules.BUDGET_CORRECTABLE):
        return {
            "required": "true" if record.required else "false",
            "fiscal_year": record.fiscal_year,
            "budget_type": record.budget_type,
            "requested_yen": _yen_text(record.requested_yen),
            "account": record.account or "",
            "funding_source": record.funding_source,
            "note": record.note or "",
        }
    first, last = budget.year_window()
    year = min(max(budget.needed_fiscal_year(proposal, record), first), last)
    return {
        "required": "true",
        "fiscal_year": year,
        "budget_type": BudgetType.initial.value,
        "funding_source": FundingSource.general.value,
    }


@dataclass
class BudgetPanel:
    """The 予算 panel of the proposal page."""

    records: list[BudgetRecord]
    can_record: bool
    can_decide: bool
    years: list[int]
    deciders: dict[int, str]
    request_values: dict[str, Any] = field(default_factory=dict)
    approve_values: dict[str, Any] = field(default_factory=dict)
    deny_values: dict[str, Any] = field(default_factory=dict)
    request_errors: dict[str, str] = field(default_factory=dict)
    approve_errors: dict[str, str] = field(default_factory=dict)
    deny_errors: dict[str, str] = field(default_factory=dict)

    @property
    def current(self) -> BudgetRecord | None:
        return self.records[0] if self.records else None

    @property
    def correcting(self) -> bool:
        """The request form corrects the current record rather than starting a new one."""
        current = self.current
        return current is not None and rules.is_in(current.status, rules.BUDGET_CORRECTABLE)


def budget_panel(
    session: Session, proposal: Proposal, caps: rules.Capabilities
) -> BudgetPanel | None:
    """The proposal's budget records for anyone who sees the proposal, with finance's forms
    while they apply; None when there is nothing to show."""
    records = budget.records_of(session, proposal_id=id_of(proposal))
    can_record = caps.can(rules.Activity.record_budget)
    if not records and not can_record:
        return None
    decider_ids = {r.decided_by_id for r in records if r.decided_by_id is not None}
    deciders: dict[int, str] = {}
    if decider_ids:
        users = session.exec(select(User).where(col(User.id).in_(decider_ids))).all()
        deciders = {u.id: u.name for u in users if u.id is not None}
    current = records[0] if records else None
    panel = BudgetPanel(
        records=records,
        can_record=can_record,
        can_decide=caps.may(rules.Action.approve_budget),
        years=window_years(),
        deciders=deciders,
    )
    if can_record:
        panel.request_values = request_values(proposal, current)
    if panel.can_decide and current is not None:
        panel.approve_values = {"approved_yen": _yen_text(current.requested_yen)}
    return panel
