"""The figures the town publishes about its improvement proposals, per fiscal year (and
optionally for one DX initiative): counts by status, initiative, department and kind;
participation, adoption and implementation rates; budget requested and approved; hours and
yen saved, estimated against actual; and the median days spent in each stage.

Everything is aggregated in the database, in a fixed number of queries whatever the number
of proposals (a test counts them). Definitions (also on the dashboard page):

- a proposal counts in the fiscal year of its submission (of its creation while a draft);
  drafts appear only in `by_status`;
- adopted = adopted, budgeted, in progress or completed (the decision adopted it);
  decided = adopted + deferred + rejected; adoption rate = adopted / decided;
  implementation rate = completed / adopted;
- participation = distinct authors of submitted proposals / active staff accounts;
- budget = each proposal's current (newest) budget record;
- estimated and target effects are summed over adopted proposals, actual effects over
  completed ones; hours are converted to yen at the hourly staff cost setting; 削減額 is
  money other than staff time, and the totals (`total_yen_*` = hours as yen + 削減額) count
  staff time once: a 削減額 that repeats its proposal's hours' conversion is left out of
  them (effects.py);
- by department, departments with fewer active staff than `merge_below` are counted
  together as one row 「その他」 (`merged: true`), so that nobody is named by a one-person
  department's figures: the API and the pages pass the small_group_min_staff setting for
  everyone but the secretariat (small_groups.py).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    Integer,
    case,
    distinct,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    text,
    true,
    union_all,
)
from sqlalchemy import select as sa_select
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, SQLModel, col, select

from app import rules
from app.errors import Invalid
from app.i18n import N_
from app.models import Department, Initiative, Proposal
from app.models.enums import KIND_LABELS, STATUS_LABELS, Kind, Status
from app.services.budget import parse_fiscal_year
from app.services.effects import staff_time_twice_clause
from app.services.small_groups import OTHER, active_staff, small_departments
from app.wareki import fiscal_year_label, fiscal_year_of, today_jst

UNKNOWN_INITIATIVE = N_("指定されたDX取組みが見つかりません。")
# Stages: (key, Japanese label, from column, to column).
STAGES = (
    ("intake", "受付", "submitted_at", "accepted_at"),
    ("review", "審査", "accepted_at", "decided_at"),
    ("preparation", "予算化・着手準備", "decided_at", "started_at"),
    ("execution", "実施", "started_at", "completed_at"),
)
# The group key of the departments counted together as 「その他」 (no department id is < 1).
OTHER_KEY = -1
# The tables' Core columns, from which the figures' few hundred expressions are built on
# each request: several times cheaper to build than from the ORM attributes (the same SQL).
P = SQLModel.metadata.tables["proposal"].c
BUDGET = SQLModel.metadata.tables["budget_record"]


def _in(column, items) -> ColumnElement[bool]:
    """column IN (…) with one bound parameter per item rather than SQLAlchemy's expanding
    list, which it rewrites into the statement on every execution (a few milliseconds for
    the figures' dozen lists); the compiled statement is then reused as it is."""
    return column.in_([literal(item) for item in items])


def _status_in(group) -> ColumnElement[bool]:
    return _in(P.status, rules.values(group))


def _rate(numerator: int, denominator: int) -> float | None:
    if not denominator:
        return None
    return float(
        (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    )


def _round(value: Any, places: str = "0.1") -> float:
    return float(Decimal(str(value or 0)).quantize(Decimal(places), ROUND_HALF_UP))


def _days_between(session: Session, start, end):
    """end - start in days (fractional), on either database."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return func.extract("epoch", end - start) / 86400.0


@dataclass
class Scope:
    fiscal_year: int
    initiative_id: int | None = None  # one initiative's roll-up; None for all
    no_initiative: bool = False  # proposals tied to no initiative
    hourly_cost_yen: int = 0  # for the effects' totals (staff time counted once)

    def conditions(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [P.fiscal_year == self.fiscal_year]
        if self.initiative_id is not None:
            where.append(P.initiative_id == self.initiative_id)
        if self.no_initiative:
            where.append(P.initiative_id.is_(None))
        return where


def resolve_fiscal_year(value: int | str | None) -> int:
    """The requested fiscal year (422 when absurd), the current one when omitted."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return fiscal_year_of(today_jst())
    return parse_fiscal_year(value)


def _other_savings(hours, savings, rate: int):
    """削減額 as the effect's total counts it: left out where it repeats the hours'
    conversion (staff time entered twice; effects.py)."""
    return case((staff_time_twice_clause(hours, savings, rate), 0), else_=savings)


def _count_if(condition: ColumnElement[bool]):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _sum_if(condition: ColumnElement[bool], column):
    return func.coalesce(func.sum(case((condition, column), else_=None)), 0)


def _sums(budget: tuple[Any, Any], rate: int) -> dict[str, Any]:
    """Every sum a group may need, by name (over submitted proposals of the scope)."""
    est = (
        P.estimated_hours_saved_per_year_hours,
        P.estimated_savings_yen_per_year,
    )
    target = (
        P.target_hours_saved_per_year_hours,
        P.target_savings_yen_per_year,
    )
    actual = (
        P.actual_hours_saved_per_year_hours,
        P.actual_savings_yen_per_year,
    )
    adopted = _status_in(rules.ADOPTED)
    completed = _status_in(rules.COMPLETED)
    return {
        "adopted": _count_if(adopted),
        "decided": _count_if(_status_in(rules.DECIDED)),
        "completed": _count_if(completed),
        "requested_yen": func.coalesce(func.sum(budget[0]), 0),
        "approved_yen": func.coalesce(func.sum(budget[1]), 0),
        "hours_est": _sum_if(adopted, est[0]),
        "hours_target": _sum_if(adopted, target[0]),
        "hours_actual": _sum_if(completed, actual[0]),
        "yen_est": _sum_if(adopted, est[1]),
        "yen_target": _sum_if(adopted, target[1]),
        "yen_actual": _sum_if(completed, actual[1]),
        "other_est": _sum_if(adopted, _other_savings(*est, rate)),
        "other_target": _sum_if(adopted, _other_savings(*target, rate)),
        "other_actual": _sum_if(completed, _other_savings(*actual, rate)),
        "cost_actual": _sum_if(completed, P.actual_cost_yen),
    }


SUMS = (
    "adopted", "decided", "completed", "requested_yen", "approved_yen",
    "hours_est", "hours_target", "hours_actual", "yen_est", "yen_target", "yen_actual",
    "other_est", "other_target", "other_actual", "cost_actual",
)  # fmt: skip
# What each grouping needs besides the count: by initiative every sum (the totals add its
# rows up), by department the rates' numerators and the distinct proposers, by kind the
# adopted, over all the distinct proposers alone.
GROUPINGS: dict[str, tuple[tuple[str, ...], bool]] = {
    "initiative": (SUMS, False),
    "department": (("adopted", "completed"), True),
    "kind": (("adopted",), False),
    "all": ((), True),
}


def _current_budget(session: Session) -> tuple[Any, ColumnElement[bool], tuple[Any, Any]]:
    """How to join each proposal's current (newest) budget record: (what to join, the join
    condition, its requested_yen and approved_yen). On PostgreSQL a LATERAL
    subquery, the newest record by the proposal_id index for each proposal of the year
    (with 10,000 of them the planner otherwise hashes every budget record and works out
    the newest id for each pair, three times slower); SQLite, which has no LATERAL, looks
    the newest id up for each proposal as budget.is_current_record does."""
    if session.get_bind().dialect.name == "postgresql":
        newest = (
            sa_select(BUDGET.c.requested_yen, BUDGET.c.approved_yen)
            .where(BUDGET.c.proposal_id == P.id)
            .order_by(BUDGET.c.id.desc())
            .limit(1)
            .lateral("current_budget")
        )
        return newest, true(), (newest.c.requested_yen, newest.c.approved_yen)
    budget, newer = BUDGET.alias("current_budget"), BUDGET.alias("newer")
    newest_id = sa_select(func.max(newer.c.id)).where(newer.c.proposal_id == P.id)
    current = (budget.c.proposal_id == P.id) & (budget.c.id == newest_id.scalar_subquery())
    return budget, current, (budget.c.requested_yen, budget.c.approved_yen)


def _grouped(session: Session, scope: Scope, department_key) -> dict[str, dict[Any, Any]]:
    """The submitted proposals of the scope counted and summed per initiative, per
    department (`department_key`), per kind and over all, in one query (each part reads
    the stats index, ix_proposal_stats; only by initiative joins the current budget
    record): {grouping: {key: row}}; a row has None for the sums its grouping does not
    need (GROUPINGS)."""
    budget, current, budget_columns = _current_budget(session)
    sums = _sums(budget_columns, scope.hourly_cost_yen)
    zero = literal_column("0", Integer)
    keys = {
        # + 0: an expression, so that SQLite reads the year from the stats index and sorts
        # its groups rather than walk the whole table in the order of the initiative (or
        # department) index to save the sort
        "initiative": P.initiative_id + zero,
        "department": department_key + zero,
        "kind": P.kind,
    }
    parts = []
    for grouping, (wanted, with_proposers) in GROUPINGS.items():
        key = keys.get(grouping)
        proposers = func.count(distinct(P.author_id)) if with_proposers else null()
        part = (
            sa_select(
                literal(grouping).label("grouping"),
                *((keys[name] if name == grouping else null()).label(name) for name in keys),
                func.count().label("proposals"),
                proposers.label("proposers"),
                *((sums[name] if name in wanted else null()).label(name) for name in SUMS),
            )
            .select_from(Proposal)
            .where(*scope.conditions())
            .where(_status_in(rules.NOT_DRAFT))
        )
        if "requested_yen" in wanted:
            part = part.join(budget, current, isouter=True)
        if key is not None:
            part = part.group_by(text(grouping))  # by the label: Postgres cannot match
            # a CASE's parameters
        parts.append(part)
    grouped: dict[str, dict[Any, Any]] = {grouping: {} for grouping in GROUPINGS}
    for row in session.execute(union_all(*parts)).all():
        key = None if row.grouping == "all" else getattr(row, str(row.grouping))
        grouped[str(row.grouping)][key] = row
    return grouped


def _total(rows, name: str) -> Any:
    return sum((getattr(row, name) or 0) for row in rows)


def _medians(session: Session, scope: Scope) -> dict[str, float | None]:
    """Median days per stage, in one query: the scope's durations per stage worked out in
    one read of the stats index (None where a stage has not both ends) and their counts;
    then per stage the middle duration, or the mean of the middle two, picked by LIMIT and
    OFFSET from the count (sorting only up to the middle, and numbering none)."""
    durations = (
        sa_select(
            *(
                _days_between(session, P[start], P[end]).label(key)
                for key, _label, start, end in STAGES
            )
        )
        .where(*scope.conditions())
        .cte("durations")
        .prefix_with("MATERIALIZED")
    )
    counts = (
        sa_select(*(func.count(durations.c[key]).label(key) for key, *_ in STAGES))
        .cte("counts")
        .prefix_with("MATERIALIZED")
    )
    medians = []
    for key, *_ in STAGES:
        days, n = durations.c[key], sa_select(counts.c[key]).scalar_subquery()
        middle = (
            sa_select(days.label("days"))
            .where(days.is_not(None))
            .order_by(days)
            .limit(2 - n % 2)  # the middle one, or the middle two
            .offset((n - 1) // 2)
            .subquery(f"middle_{key}")
        )
        medians.append(sa_select(func.avg(middle.c.days)).scalar_subquery().label(key))
    row = session.execute(sa_select(*medians)).one()
    return {
        key: _round(row[i]) if row[i] is not None else None for i, (key, *_) in enumerate(STAGES)
    }


def _department_key(small: set[int | None]):
    """Proposal.department_id, with the small departments' ids replaced by OTHER_KEY."""
    if not small:
        return P.department_id
    ids = [d for d in small if d is not None]
    folded: ColumnElement[bool] = _in(P.department_id, sorted(ids)) if ids else false()
    if None in small:
        folded = or_(folded, P.department_id.is_(None))
    return case((folded, literal(OTHER_KEY)), else_=P.department_id)


def compute(
    session: Session,
    *,
    fiscal_year: int | str | None,
    initiative_id: int | None = None,
    hourly_cost_yen: int = 0,
    merge_below: int = 0,
) -> dict[str, Any]:
    """The figures of API.md's /stats (and a few more) for one fiscal year; departments
    with fewer than `merge_below` active staff counted together as 「その他」."""
    scope = Scope(resolve_fiscal_year(fiscal_year), initiative_id, hourly_cost_yen=hourly_cost_yen)
    if initiative_id is not None and session.get(Initiative, initiative_id) is None:
        raise Invalid(
            UNKNOWN_INITIATIVE,
            errors=[{"loc": ["query", "initiative_id"], "msg": UNKNOWN_INITIATIVE}],
        )

    statuses = dict(
        session.exec(
            select(Proposal.status, func.count())
            .where(*scope.conditions())
            .group_by(Proposal.status)
        ).all()
    )
    departments = session.exec(
        select(Department).order_by(col(Department.code), col(Department.id))
    ).all()
    staff_rows = active_staff(session)
    small = small_departments(
        staff_rows, [d.id for d in departments] + [None], min_staff=merge_below
    )
    grouped = _grouped(session, scope, _department_key(small))
    by_initiative_rows = grouped["initiative"]
    by_department_rows = grouped["department"]
    by_kind_rows = grouped["kind"]
    initiatives = session.exec(select(Initiative).order_by(col(Initiative.number))).all()
    medians = _medians(session, scope)
    every = grouped["all"].get(None)
    proposers = int(every.proposers) if every else 0

    rows = list(by_initiative_rows.values())
    proposals = _total(rows, "proposals")
    adopted, decided, completed = (_total(rows, n) for n in ("adopted", "decided", "completed"))
    staff = sum(staff_rows.values())
    hours = {n: _round(_total(rows, f"hours_{n}")) for n in ("est", "target", "actual")}
    yen = {n: int(_total(rows, f"yen_{n}")) for n in ("est", "target", "actual")}
    other = {n: int(_total(rows, f"other_{n}")) for n in ("est", "target", "actual")}
    as_yen = {n: round(hours[n] * hourly_cost_yen) for n in ("est", "target", "actual")}

    def initiative_row(initiative: Initiative | None, row) -> dict[str, Any]:
        return {
            "initiative_id": initiative.id if initiative else None,
            "number": initiative.number if initiative else None,
            "title": initiative.title if initiative else "（DX取組みに該当なし）",
            "proposals": int(row.proposals) if row else 0,
            "adopted": int(row.adopted) if row else 0,
            "completed": int(row.completed) if row else 0,
            "requested_yen": int(row.requested_yen) if row else 0,
            "approved_yen": int(row.approved_yen) if row else 0,
            "hours_saved_estimated": _round(row.hours_est) if row else 0.0,
            "hours_saved_actual": _round(row.hours_actual) if row else 0.0,
            "savings_yen_estimated": int(row.yen_est) if row else 0,
            "savings_yen_actual": int(row.yen_actual) if row else 0,
        }

    by_initiative = [
        initiative_row(i, by_initiative_rows.get(i.id))
        for i in initiatives
        if initiative_id is None or i.id == initiative_id
    ]
    if initiative_id is None:
        by_initiative.append(initiative_row(None, by_initiative_rows.get(None)))

    def department_row(
        department_id: int | None, name: str, heads: int, row, *, merged: bool = False
    ) -> dict[str, Any]:
        count = int(row.proposals) if row else 0
        authors = int(row.proposers) if row else 0
        return {
            "department_id": department_id,
            "name": name,
            "merged": merged,
            "proposals": count,
            "proposers": authors,
            "staff": heads,
            "participation_rate": _rate(authors, heads),
            "proposals_per_head": _rate(count, heads),
            "adopted": int(row.adopted) if row else 0,
            "completed": int(row.completed) if row else 0,
        }

    by_department = [
        department_row(d.id, d.name, staff_rows.get(d.id, 0), by_department_rows.get(d.id))
        for d in departments
        if d.id not in small and (d.is_active or d.id in by_department_rows)
    ]
    if None in by_department_rows:
        by_department.append(
            department_row(None, "（所属なし）", staff_rows.get(None, 0), by_department_rows[None])
        )
    folded_staff = sum(staff_rows.get(d, 0) for d in small)
    if OTHER_KEY in by_department_rows or folded_staff:
        by_department.append(
            department_row(
                None, OTHER, folded_staff, by_department_rows.get(OTHER_KEY), merged=True
            )
        )

    by_kind = [
        {
            "kind": kind.value,
            "label": KIND_LABELS[kind],
            "proposals": int(by_kind_rows[kind.value].proposals)
            if kind.value in by_kind_rows
            else 0,
            "adopted": int(by_kind_rows[kind.value].adopted) if kind.value in by_kind_rows else 0,
        }
        for kind in Kind
    ]

    return {
        "fiscal_year": scope.fiscal_year,
        "fiscal_year_label": fiscal_year_label(scope.fiscal_year),
        "initiative_id": initiative_id,
        "proposals": proposals,
        "by_status": {s.value: int(statuses.get(s.value, 0)) for s in Status},
        "by_status_label": {s.value: STATUS_LABELS[s] for s in Status},
        "by_initiative": by_initiative,
        "by_department": by_department,
        "by_kind": by_kind,
        "proposers": proposers,
        "active_staff": staff,
        "participation_rate": _rate(proposers, staff),
        "adopted": adopted,
        "decided": decided,
        "completed": completed,
        "adoption_rate": _rate(adopted, decided),
        "implementation_rate": _rate(completed, adopted),
        "budget": {
            "requested_yen": int(_total(rows, "requested_yen")),
            "approved_yen": int(_total(rows, "approved_yen")),
        },
        "effects": {
            "hours_saved_estimated": hours["est"],
            "hours_saved_target": hours["target"],
            "hours_saved_actual": hours["actual"],
            "savings_yen_estimated": yen["est"],
            "savings_yen_target": yen["target"],
            "savings_yen_actual": yen["actual"],
            "actual_cost_yen": int(_total(rows, "cost_actual")),
            "hourly_staff_cost_yen": hourly_cost_yen,
            "hours_as_yen_estimated": as_yen["est"],
            "hours_as_yen_target": as_yen["target"],
            "hours_as_yen_actual": as_yen["actual"],
            "total_yen_estimated": as_yen["est"] + other["est"],
            "total_yen_target": as_yen["target"] + other["target"],
            "total_yen_actual": as_yen["actual"] + other["actual"],
        },
        "median_days": medians,
        "stages": [{"stage": key, "label": label} for key, label, *_ in STAGES],
    }
