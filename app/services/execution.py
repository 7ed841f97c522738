"""Execution (実施): the implementing department (or the secretariat) starts an adopted
proposal, plans weighted milestones, reports progress and files the completion report with
the actual effects. Progress and `overdue` are derived, never typed twice: the percentage
comes from the weighted milestones when there are any (a progress report then records
their figure and takes none typed) and from the latest report otherwise,
and `overdue` holds while an open milestone is past due or the planned end date has passed.
The department's board and the effects table are in execution_board.py, the reminders in
reminders.py.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from app import rules, wareki
from app.errors import Invalid, NotFound
from app.i18n import N_
from app.models import (
    Milestone,
    ProgressUpdate,
    Proposal,
    User,
)
from app.models.execution import (
    REPORT_REQUIRED,
    CompleteBody,
    MilestoneIn,
    MilestonePatch,
    ProgressIn,
    StartBody,
)
from app.models.types import id_of, utcnow
from app.services.concurrency import check_version, claim, lock
from app.services.events import record_event
from app.services.visibility import get_visible_proposal
from app.validation import ModelOrValues, validate_body

OWNER_NOT_IN_DEPARTMENT = N_("担当者は実施担当課の在職中の職員から選んでください。")
MEASURED_IN_FUTURE = N_("効果の測定日に未来の日付は指定できません。")
DONE_IN_FUTURE = N_("完了日に未来の日付は指定できません。")
DONE_ON_WITHOUT_DONE = N_("未完了に戻す場合は完了日を指定しないでください。")
MILESTONE_NOT_FOUND = N_("指定されたマイルストーンが見つかりません。")
PERCENT_REQUIRED = N_("進捗率を入力してください（0〜100）。")
PERCENT_FROM_MILESTONES = N_(
    "マイルストーンがあるため、進捗率はマイルストーンの重みから計算されます"
    "（現在 %(percent)s%%）。進捗率は入力せず、内容だけを報告してください。"
)

# -- derivation ------------------------------------------------------------------------------


def today() -> date:
    """The date in Japan (through `wareki` so tests can fix the clock in one place)."""
    return wareki.today_jst()


def weighted_percent(milestones: list[Milestone]) -> int | None:
    """The done milestones' share of the total weight, 0–100, rounded half up."""
    total = sum(m.weight for m in milestones)
    if not total:
        return None
    done = sum(m.weight for m in milestones if m.done_on is not None)
    return int((Decimal(100 * done) / Decimal(total)).quantize(Decimal(1), ROUND_HALF_UP))


def derive_progress(
    status: str, milestones: list[Milestone], latest_update: int | None
) -> int | None:
    if rules.is_in(status, rules.COMPLETED):
        return 100
    if milestones:
        return weighted_percent(milestones)
    return latest_update


def is_overdue(proposal: Proposal, on: date | None = None) -> bool:
    """True while the proposal is being carried out and an open milestone is past due or
    the planned end date has passed."""
    if not rules.is_in(proposal.status, rules.EXECUTING):
        return False
    on = on or today()
    late_milestone = proposal.open_due_date is not None and proposal.open_due_date < on
    late_end = proposal.planned_end_date is not None and proposal.planned_end_date < on
    return late_milestone or late_end


def overdue_clause(on: date):
    """`is_overdue` as an SQL condition, for boards and counts."""
    return rules.status_in(col(Proposal.status), rules.EXECUTING) & or_(
        col(Proposal.open_due_date) < on, col(Proposal.planned_end_date) < on
    )


def milestone_overdue(milestone: Milestone, status: str, on: date | None = None) -> bool:
    """An open milestone past its due date, while its proposal (in `status`) is being
    carried out; a completed proposal's leftover milestones are not overdue."""
    if not rules.is_in(status, rules.EXECUTING):
        return False
    return milestone.done_on is None and milestone.due_date < (on or today())


def milestones_of(session: Session, *, proposal_id: int) -> list[Milestone]:
    """Due date order (the plan as it reads), then the order they were added."""
    return list(
        session.exec(
            select(Milestone)
            .where(Milestone.proposal_id == proposal_id)
            .order_by(col(Milestone.due_date), col(Milestone.id))
        ).all()
    )


def updates_of(session: Session, *, proposal_id: int) -> list[ProgressUpdate]:
    """Newest first."""
    return list(
        session.exec(
            select(ProgressUpdate)
            .where(ProgressUpdate.proposal_id == proposal_id)
            .order_by(col(ProgressUpdate.created_at).desc(), col(ProgressUpdate.id).desc())
        ).all()
    )


def refresh_derived(session: Session, proposal: Proposal) -> None:
    """Keeps the stored progress and earliest open due date in step with the milestones and
    updates (called by every change to them, before the proposal's version moves on)."""
    session.flush()
    milestones = milestones_of(session, proposal_id=id_of(proposal))
    latest = session.exec(
        select(ProgressUpdate.percent)
        .where(ProgressUpdate.proposal_id == proposal.id)
        .order_by(col(ProgressUpdate.created_at).desc(), col(ProgressUpdate.id).desc())
        .limit(1)
    ).first()
    proposal.progress_percent = derive_progress(proposal.status, milestones, latest)
    open_dues = [m.due_date for m in milestones if m.done_on is None]
    proposal.open_due_date = min(open_dues) if open_dues else None
    session.add(proposal)


# -- who ---------------------------------------------------------------------------------------


def check_executor(proposal: Proposal, user: User) -> None:
    """403 unless of the implementing department or the secretariat."""
    rules.check_allowed(rules.Activity.plan_milestones, proposal, user, rules.Facts())


def department_members(session: Session, department_id: int | None) -> list[User]:
    if department_id is None:
        return []
    return list(
        session.exec(
            select(User)
            .where(User.department_id == department_id)
            .where(col(User.is_active).is_(True))
            .order_by(col(User.id))
        ).all()
    )


# -- start and complete (lifecycle actions) ------------------------------------------------------


def validate_start(session: Session, *, proposal: Proposal, user: User, body: StartBody) -> None:
    if body.owner_id is not None:
        owner = session.get(User, body.owner_id)
        if (
            owner is None
            or not owner.is_active
            or owner.department_id != proposal.implementing_department_id
        ):
            raise Invalid.field("owner_id", OWNER_NOT_IN_DEPARTMENT)


def start(session: Session, *, proposal: Proposal, user: User, body: StartBody) -> dict[str, Any]:
    """Starts the work: the owner (the caller when they belong to the department) and the
    planned end date (the authors are told: app/services/notices.py)."""
    owner_id = body.owner_id
    if owner_id is None and user.department_id == proposal.implementing_department_id:
        owner_id = user.id
    proposal.owner_id = owner_id
    proposal.planned_end_date = body.planned_end_date
    proposal.started_at = utcnow()
    return {"owner_id": owner_id, "planned_end_date": body.planned_end_date}


def validate_completion(
    session: Session, *, proposal: Proposal, user: User, body: CompleteBody
) -> None:
    if not body.report.strip():
        raise Invalid.field("report", REPORT_REQUIRED)
    if body.measured_on is not None and body.measured_on > today():
        raise Invalid.field("measured_on", MEASURED_IN_FUTURE)


def complete(
    session: Session, *, proposal: Proposal, user: User, body: CompleteBody
) -> dict[str, Any]:
    """Files the completion report with the actual effects (measured on a date, today by
    default); progress becomes 100 (the authors are told: app/services/notices.py). Open
    milestones are closed on the completion date — the rulebook has the caller confirm it
    (`close_open_milestones`) — so the milestones, too, say 100 %."""
    on = today()
    closed = [m for m in milestones_of(session, proposal_id=id_of(proposal)) if m.done_on is None]
    for milestone in closed:
        milestone.done_on, milestone.updated_at = on, utcnow()
        session.add(milestone)
    proposal.open_due_date = None
    proposal.completion_report = body.report
    proposal.actual_cost_yen = body.actual_cost_yen
    proposal.actual_hours_saved_per_year_hours = body.actual_hours_saved_per_year_hours
    proposal.actual_savings_yen_per_year = body.actual_savings_yen_per_year
    proposal.effect_measured_on = body.measured_on or today()
    proposal.completed_at = utcnow()
    proposal.progress_percent = 100
    return {
        "actual_cost_yen": body.actual_cost_yen,
        "actual_hours_saved_per_year_hours": body.actual_hours_saved_per_year_hours,
        "actual_savings_yen_per_year": body.actual_savings_yen_per_year,
        "effect_measured_on": proposal.effect_measured_on,
        **({"closed_milestones": [m.title for m in closed]} if closed else {}),
    }


# -- milestones and progress -----------------------------------------------------------------


def _writable(session: Session, *, proposal_id: int, user: User) -> Proposal:
    """404 when not visible, 403 unless implementing department or secretariat."""
    proposal = get_visible_proposal(session, proposal_id=proposal_id, user=user)
    check_executor(proposal, user)
    return proposal


def _commit_change(
    session: Session, proposal: Proposal, user: User, action: str, changes: dict[str, Any]
) -> None:
    refresh_derived(session, proposal)
    claim(session, proposal)
    record_event(session, proposal=proposal, actor=user, action=action, changes=changes)
    session.commit()


def add_milestone(
    session: Session,
    *,
    proposal_id: int,
    user: User,
    body: ModelOrValues[MilestoneIn],
    expected_version: int | None,
) -> Milestone:
    """404/403, 422 (title, due date, weight), 409 outside adopted…in_progress, 412."""
    proposal = _writable(session, proposal_id=proposal_id, user=user)
    data = validate_body(MilestoneIn, body)
    lock(session, proposal)
    rules.check_open(rules.Activity.plan_milestones, proposal)
    check_version(proposal.version, expected_version)
    milestone = Milestone(
        proposal_id=id_of(proposal),
        title=data.title,
        due_date=data.due_date,
        weight=data.weight,
        created_by_id=user.id,
    )
    session.add(milestone)
    session.flush()
    changes = {"milestone_id": milestone.id, "title": data.title, "due_date": data.due_date}
    _commit_change(session, proposal, user, "milestone-add", {**changes, "weight": data.weight})
    session.refresh(milestone)
    return milestone


def get_milestone(session: Session, proposal: Proposal, milestone_id: int) -> Milestone:
    """The proposal's milestone, or 404."""
    milestone = session.get(Milestone, milestone_id)
    if milestone is None or milestone.proposal_id != proposal.id:
        raise NotFound(MILESTONE_NOT_FOUND)
    return milestone


def update_milestone(
    session: Session,
    *,
    proposal_id: int,
    milestone_id: int,
    user: User,
    body: ModelOrValues[MilestonePatch],
    expected_version: int | None,
) -> Milestone:
    """Edits or ticks a milestone (`done: true` sets today's date unless `done_on` says
    otherwise; `done: false` clears it)."""
    proposal = _writable(session, proposal_id=proposal_id, user=user)
    milestone = get_milestone(session, proposal, milestone_id)
    data = validate_body(MilestonePatch, body)
    on = today()
    if data.done_on is not None and data.done_on > on:
        raise Invalid.field("done_on", DONE_IN_FUTURE)
    if data.done is False and data.done_on is not None:
        raise Invalid.field("done_on", DONE_ON_WITHOUT_DONE)
    lock(session, proposal)
    rules.check_open(rules.Activity.plan_milestones, proposal)
    check_version(proposal.version, expected_version)
    fields = data.model_dump(exclude_unset=True)
    wanted: dict[str, Any] = {
        k: fields[k] for k in ("title", "due_date", "weight") if fields.get(k) is not None
    }
    if data.done is True or (data.done is None and data.done_on is not None):
        wanted["done_on"] = data.done_on or milestone.done_on or on
    elif data.done is False:
        wanted["done_on"] = None
    changes = {
        name: [getattr(milestone, name), value]
        for name, value in wanted.items()
        if getattr(milestone, name) != value
    }
    if not changes:  # ticking a done milestone again: nothing to record
        return milestone
    for name, value in wanted.items():
        setattr(milestone, name, value)
    milestone.updated_at = utcnow()
    session.add(milestone)
    action = "milestone-done" if changes.get("done_on", [None, None])[1] else "milestone-update"
    _commit_change(
        session,
        proposal,
        user,
        action,
        {"milestone_id": milestone.id, "title": milestone.title, **changes},
    )
    session.refresh(milestone)
    return milestone


def delete_milestone(
    session: Session,
    *,
    proposal_id: int,
    milestone_id: int,
    user: User,
    expected_version: int | None,
) -> None:
    """Removes a milestone entered by mistake (the event keeps what it was)."""
    proposal = _writable(session, proposal_id=proposal_id, user=user)
    milestone = get_milestone(session, proposal, milestone_id)
    lock(session, proposal)
    rules.check_open(rules.Activity.plan_milestones, proposal)
    check_version(proposal.version, expected_version)
    changes = {
        "milestone_id": milestone.id,
        "title": milestone.title,
        "due_date": milestone.due_date,
    }
    session.delete(milestone)
    _commit_change(session, proposal, user, "milestone-delete", changes)


def reported_percent(session: Session, proposal: Proposal, typed: int | None) -> int:
    """The one percentage a report records: the milestones' when there are any (a typed
    figure that differs is refused, 422), else the typed one (required)."""
    derived = weighted_percent(milestones_of(session, proposal_id=id_of(proposal)))
    if derived is None:
        if typed is None:
            raise Invalid.field("percent", PERCENT_REQUIRED)
        return typed
    if typed is not None and typed != derived:
        raise Invalid.field("percent", PERCENT_FROM_MILESTONES, percent=derived)
    return derived


def add_progress(
    session: Session,
    *,
    proposal_id: int,
    user: User,
    body: ModelOrValues[ProgressIn],
    expected_version: int | None,
) -> ProgressUpdate:
    """404/403, 422 (percent 0–100; required without milestones, theirs with them), 409
    unless in progress, 412."""
    proposal = _writable(session, proposal_id=proposal_id, user=user)
    data = validate_body(ProgressIn, body)
    lock(session, proposal)
    rules.check_open(rules.Activity.report_progress, proposal)
    check_version(proposal.version, expected_version)
    percent = reported_percent(session, proposal, data.percent)
    update = ProgressUpdate(
        proposal_id=id_of(proposal), percent=percent, note=data.note, author_id=user.id
    )
    session.add(update)
    session.flush()
    _commit_change(session, proposal, user, "progress", {"percent": percent, "note": data.note})
    session.refresh(update)
    return update
