"""The implementing department's board (実施状況), the home page's execution counts, and
the three sets of effects side by side — what the pages and the API show about execution."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func
from sqlmodel import Session, col, select

from app import rules
from app.errors import Forbidden, NotFound
from app.i18n import N_
from app.models import Department, Milestone, Proposal, User
from app.models.enums import Role
from app.models.types import id_of
from app.services import effects
from app.services.execution import is_overdue, overdue_clause, today

BOARD_OTHER_DEPARTMENT = N_("他の課の実施状況を見られるのは事務局だけです。")
NO_DEPARTMENT = N_("所属課が登録されていないため、課の実施状況を表示できません。")
UNKNOWN_DEPARTMENT = N_("指定された課が見つかりません。")


# -- the department's board ----------------------------------------------------------------------


@dataclass
class Board:
    department: Department
    in_progress: list[Proposal]
    waiting: list[Proposal]  # adopted or budgeted, not started yet
    overdue_ids: set[int]


def board_department(session: Session, *, user: User, department_id: int | None) -> Department:
    """The caller's own department, or any department for the secretariat."""
    if department_id is None or department_id == user.department_id:
        if user.department_id is None:
            raise NotFound(NO_DEPARTMENT)
        department_id = user.department_id
    elif not user.has_role(Role.secretariat):
        raise Forbidden(BOARD_OTHER_DEPARTMENT)
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound(UNKNOWN_DEPARTMENT)
    return department


def board(
    session: Session, *, user: User, department_id: int | None = None, on: date | None = None
) -> Board:
    """The department's proposals being carried out, overdue first, then by the nearest
    due date; and those adopted for it but not started yet."""
    department = board_department(session, user=user, department_id=department_id)
    on = on or today()
    late = overdue_clause(on)
    nearest = func.coalesce(Proposal.open_due_date, Proposal.planned_end_date)
    rows = session.exec(
        select(Proposal)
        .where(Proposal.implementing_department_id == department.id)
        .where(rules.status_in(col(Proposal.status), rules.EXECUTING))
        .order_by(
            case((late, 0), else_=1),
            nearest.nulls_last(),
            col(Proposal.decided_at),
            col(Proposal.id),
        )
    ).all()
    started = [p for p in rows if rules.is_in(p.status, rules.IN_PROGRESS)]
    waiting = [p for p in rows if not rules.is_in(p.status, rules.IN_PROGRESS)]
    return Board(department, started, waiting, {id_of(p) for p in rows if is_overdue(p, on)})


def due_counts(session: Session, *, user: User, on: date | None = None) -> dict[str, int]:
    """For the home page: the caller's department's proposals overdue, milestones due within
    the reminder window, and proposals waiting to be started."""
    if user.department_id is None:
        return {"overdue": 0, "due_soon": 0, "to_start": 0}
    on = on or today()
    mine = Proposal.implementing_department_id == user.department_id
    overdue = session.exec(
        select(func.count()).select_from(Proposal).where(mine).where(overdue_clause(on))
    ).one()
    due_soon = session.exec(
        select(func.count())
        .select_from(Milestone)
        .join(Proposal, col(Proposal.id) == Milestone.proposal_id)
        .where(mine)
        .where(rules.status_in(col(Proposal.status), rules.EXECUTING))
        .where(col(Milestone.done_on).is_(None))
        .where(
            and_(col(Milestone.due_date) >= on, col(Milestone.due_date) <= on + timedelta(days=7))
        )
    ).one()
    to_start = session.exec(
        select(func.count())
        .select_from(Proposal)
        .where(mine)
        .where(rules.status_in(col(Proposal.status), rules.AWAITING_START))
    ).one()
    return {"overdue": overdue, "due_soon": due_soon, "to_start": to_start}


# -- effects -------------------------------------------------------------------------------------


@dataclass
class EffectRow:
    label: str  # estimated (見込み), target (目標), actual (実績)
    cost_yen: int | None
    hours: float | None
    savings_yen: int | None  # money saved other than staff time (as entered)
    hours_as_yen: int | None  # hours × the hourly staff cost
    total_yen: int | None  # hours as yen + savings: staff time counted once (effects.py)
    staff_time_twice: bool = False  # savings repeat the hours' conversion: not added again


def effect_rows(proposal: Proposal, hourly_cost_yen: int) -> list[EffectRow]:
    """Estimated (by the author), target (at decision) and actual (the report), side by side."""

    def row(label: str, cost: int | None, hours: float | None, savings: int | None) -> EffectRow:
        return EffectRow(
            label,
            cost,
            hours,
            savings,
            effects.hours_as_yen(hours, hourly_cost_yen),
            effects.total_yen(hours, savings, hourly_cost_yen),
            effects.staff_time_twice(hours, savings, hourly_cost_yen),
        )

    return [
        row(
            N_("見込み（提案者）"),
            proposal.estimated_cost_yen,
            proposal.estimated_hours_saved_per_year_hours,
            proposal.estimated_savings_yen_per_year,
        ),
        row(
            N_("目標（審査決定）"),
            None,
            proposal.target_hours_saved_per_year_hours,
            proposal.target_savings_yen_per_year,
        ),
        row(
            N_("実績（完了報告）"),
            proposal.actual_cost_yen,
            proposal.actual_hours_saved_per_year_hours,
            proposal.actual_savings_yen_per_year,
        ),
    ]
