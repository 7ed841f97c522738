"""Budgeting (予算化): finance records whether an adopted proposal needs money, for which
fiscal year (April–March) and of which kind (当初 / 補正 / 既定予算内), the requested and
approved yen; approving an amount moves the proposal to `budgeted` (a lifecycle action).
A denied request can be requested again for a later fiscal year; every change is an event.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app import rules
from app.errors import Forbidden, Invalid, InvalidTransition
from app.i18n import N_
from app.models import BudgetRecord, Proposal, User
from app.models.budget import ApproveIn, BudgetIn, DenyIn
from app.models.enums import BudgetStatus, BudgetType, Role
from app.models.types import id_of, utcnow
from app.services import lifecycle
from app.services.concurrency import check_version, claim, lock
from app.services.events import record_event
from app.services.notices import announce
from app.services.visibility import get_visible_proposal
from app.wareki import fiscal_year_label, fiscal_year_of, today_jst

YEAR_WINDOW = N_("年度は%(first)s～%(last)sの範囲で指定してください。")
AMOUNT_REQUIRED = N_("予算が必要な場合は要求額を入力してください。")
ZERO_APPROVAL = N_("措置額は1円以上にしてください。見送る場合は「見送り」にしてください。")
LATER_YEAR = N_("見送りになった要求は、%(year)sより後の年度で要求し直してください。")
VIEW_ONLY = N_("予算の一覧を見られるのは財政担当と事務局だけです。")
YEARS_BACK, YEARS_AHEAD = 1, 5


def check_finance(proposal: Proposal, user: User) -> None:
    """403 unless finance: the rulebook's record-budget rule (deny's names the same people)."""
    rules.check_allowed(rules.Activity.record_budget, proposal, user, rules.Facts())


def can_view_budgets(user: User) -> bool:
    return user.has_role(Role.finance, Role.secretariat)


def year_window(today: date | None = None) -> tuple[int, int]:
    """The fiscal years a budget may be recorded for: last year to five years ahead."""
    current = fiscal_year_of(today or today_jst())
    return current - YEARS_BACK, current + YEARS_AHEAD


def records_of(session: Session, *, proposal_id: int) -> list[BudgetRecord]:
    """Every budget record of the proposal, newest first (the first is the current one)."""
    query = (
        select(BudgetRecord)
        .where(BudgetRecord.proposal_id == proposal_id)
        .order_by(col(BudgetRecord.id).desc())
    )
    return list(session.exec(query).all())


def current_record(session: Session, *, proposal_id: int) -> BudgetRecord | None:
    records = records_of(session, proposal_id=proposal_id)
    return records[0] if records else None


def put_budget(
    session: Session,
    *,
    proposal_id: int,
    user: User,
    body: BudgetIn,
    expected_version: int | None,
) -> BudgetRecord:
    """Records (or corrects) the budget request. 404 when not visible; 403 unless finance;
    422 for a year outside the window, a missing amount, an approval of zero or a
    re-request not later than the denied year; 409 unless adopted; 412 when stale.
    With `approved_yen` it also approves (the proposal becomes budgeted). The caller
    validates the body after the same 404/403 checks (the API's gate, the page's)."""
    proposal = get_visible_proposal(session, proposal_id=proposal_id, user=user)
    check_finance(proposal, user)
    first, last = year_window()
    if not first <= body.fiscal_year <= last:
        raise Invalid.field(
            "fiscal_year", YEAR_WINDOW, first=fiscal_year_label(first), last=fiscal_year_label(last)
        )
    if body.required and not body.requested_yen:
        raise Invalid.field("requested_yen", AMOUNT_REQUIRED)
    if body.approved_yen is not None and body.approved_yen <= 0:
        raise Invalid.field("approved_yen", ZERO_APPROVAL)
    current = current_record(session, proposal_id=id_of(proposal))
    if current is not None and rules.is_in(current.status, rules.BUDGET_DENIED):
        if body.fiscal_year <= current.fiscal_year:
            raise Invalid.field(
                "fiscal_year", LATER_YEAR, year=fiscal_year_label(current.fiscal_year)
            )
        current = None  # a new request; the denied one stays in the history
    lock(session, proposal)
    rules.check_open(rules.Activity.record_budget, proposal)
    check_version(proposal.version, expected_version)

    record = current or BudgetRecord(proposal_id=id_of(proposal), fiscal_year=body.fiscal_year)
    before = {name: getattr(record, name) for name in _FIELDS} if current else {}
    record.required = body.required
    record.fiscal_year = body.fiscal_year
    record.budget_type = body.budget_type.value
    record.requested_yen = body.requested_yen if body.required else None
    record.account = body.account
    record.funding_source = body.funding_source.value
    record.note = body.note
    record.status = (BudgetStatus.requested if body.required else BudgetStatus.not_required).value
    record.updated_at = utcnow()
    session.add(record)
    proposal.budget_status = record.status
    session.flush()
    changes = {
        name: [before.get(name), getattr(record, name)]
        for name in _FIELDS
        if before.get(name) != getattr(record, name)
    }
    claim(session, proposal)
    record_event(session, proposal=proposal, actor=user, action="budget", changes=changes)
    if not body.required and changes.get("status"):
        announce(session, event="budget-not-required", proposal=proposal, actor=user)
    if body.required and body.approved_yen:
        # Recording and approving are one user action: one transaction, all or nothing.
        lifecycle.perform(
            session,
            proposal=proposal,
            user=user,
            action=rules.Action.approve_budget,
            body={"approved_yen": body.approved_yen},
            commit=False,
        )
    session.commit()
    session.refresh(record)
    return record


_FIELDS = (
    "required",
    "fiscal_year",
    "budget_type",
    "requested_yen",
    "account",
    "funding_source",
    "note",
    "status",
)


def validate_approval(session: Session, *, proposal: Proposal, user: User, body: ApproveIn) -> None:
    """The current record itself waits (the rulebook's guard reads the proposal's copy of
    its status)."""
    record = current_record(session, proposal_id=id_of(proposal))
    waiting = record is not None and rules.is_in(record.status, rules.BUDGET_WAITING)
    if not waiting and rules.is_in(proposal.status, rules.BUDGETING):
        raise InvalidTransition(rules.NO_REQUEST)


def approve(session: Session, *, proposal: Proposal, user: User, body: ApproveIn) -> dict[str, Any]:
    """Approves the current request: as requested, or reduced when less was granted."""
    record = current_record(session, proposal_id=id_of(proposal))
    assert record is not None  # validate_approval saw to it
    reduced = record.requested_yen is not None and body.approved_yen < record.requested_yen
    record.approved_yen = body.approved_yen
    record.status = (BudgetStatus.reduced if reduced else BudgetStatus.approved).value
    record.decided_by_id, record.decided_at, record.updated_at = user.id, utcnow(), utcnow()
    session.add(record)
    proposal.budget_status = record.status
    return {
        "approved_yen": body.approved_yen,
        "requested_yen": record.requested_yen,
        "fiscal_year": record.fiscal_year,
        "budget_status": record.status,
    }


def deny(session: Session, *, proposal_id: int, user: User, body: DenyIn) -> BudgetRecord:
    """Records that the request was not funded (見送り); the proposal stays adopted and may
    be requested again for a later year. 404/403/422 (reason)/409 (nothing waiting); the
    caller validates the body after the same 404/403 checks."""
    proposal = get_visible_proposal(session, proposal_id=proposal_id, user=user)
    check_finance(proposal, user)
    if not body.reason.strip():
        raise Invalid.field("reason", rules.REASON_REQUIRED)
    lock(session, proposal)
    rules.check_open(rules.Activity.deny_budget, proposal)
    record = current_record(session, proposal_id=id_of(proposal))
    if record is None or not rules.is_in(record.status, rules.BUDGET_WAITING):
        raise InvalidTransition(rules.NO_REQUEST)
    record.status = BudgetStatus.denied.value
    record.approved_yen = 0
    record.decided_by_id, record.decided_at, record.updated_at = user.id, utcnow(), utcnow()
    session.add(record)
    proposal.budget_status = record.status
    claim(session, proposal)
    record_event(
        session,
        proposal=proposal,
        actor=user,
        action="budget-deny",
        reason=body.reason,
        changes={"fiscal_year": record.fiscal_year, "requested_yen": record.requested_yen},
    )
    announce(session, event="budget-deny", proposal=proposal, actor=user, reason=body.reason)
    session.commit()
    session.refresh(record)
    return record


# -- finance's views ---------------------------------------------------------------------------


def is_current_record(record=BudgetRecord):
    """The join condition picking each proposal's current (newest) budget record: a
    correlated subquery through the proposal_id index, much faster on SQLite than a grouped
    derived table. `record` may be an alias of BudgetRecord."""
    newer = aliased(BudgetRecord, name="newer")
    newest = select(func.max(newer.id)).where(newer.proposal_id == Proposal.id).scalar_subquery()
    return (record.proposal_id == Proposal.id) & (record.id == newest)


def _awaiting():
    """Adopted proposals with their latest budget record, when it is missing or still
    requested: the ones waiting for finance's decision."""
    return (
        select(Proposal, BudgetRecord)
        .join(
            BudgetRecord,
            is_current_record(),
            isouter=True,
        )
        .where(rules.status_in(col(Proposal.status), rules.BUDGETING))
        .where(
            or_(
                col(BudgetRecord.id).is_(None),
                rules.status_in(col(BudgetRecord.status), rules.BUDGET_WAITING),
            )
        )
    )


def awaiting_count(session: Session, *, user: User) -> int:
    """How many adopted proposals wait for a budget decision (0 for those who cannot see
    the budget pages)."""
    if not can_view_budgets(user):
        return 0
    waiting = _awaiting().with_only_columns(col(Proposal.id)).subquery()
    return session.exec(select(func.count()).select_from(waiting)).one()


def needed_fiscal_year(proposal: Proposal, record: BudgetRecord | None) -> int:
    """The fiscal year the proposal needs money in: the current record's, the year after a
    denied one, or else the year after the decision."""
    if record is not None and rules.is_in(record.status, rules.BUDGET_DENIED):
        return record.fiscal_year + 1
    if record is not None:
        return record.fiscal_year
    return fiscal_year_of(proposal.decided_at or utcnow()) + 1


@dataclass
class QueueItem:
    proposal: Proposal
    record: BudgetRecord | None
    fiscal_year: int
    deadline: date | None
    late: bool


def request_deadline(fiscal_year: int, budget_type: str, deadline_mmdd: str) -> date | None:
    """When the request for money in `fiscal_year` is due: initial budgets by the set day of
    the year before; supplementary budgets go to the next council, so no fixed day here."""
    if budget_type != BudgetType.initial.value:
        return None
    month, day = (int(part) for part in deadline_mmdd.split("-"))
    return date(fiscal_year - 1, month, day)


def queue(
    session: Session, *, user: User, deadline_mmdd: str, today: date | None = None
) -> dict[int, list[QueueItem]]:
    """Adopted proposals still waiting for a budget decision, by the fiscal year they need
    money in (the year after their decision when nothing is recorded yet), earliest first."""
    if not can_view_budgets(user):
        raise Forbidden(VIEW_ONLY)
    today = today or today_jst()
    rows = session.exec(_awaiting().order_by(col(Proposal.decided_at), col(Proposal.id))).all()
    groups: dict[int, list[QueueItem]] = {}
    for proposal, record in rows:
        year = needed_fiscal_year(proposal, record)
        kind = record.budget_type if record is not None else BudgetType.initial.value
        deadline = request_deadline(year, kind, deadline_mmdd)
        late = deadline is not None and today > deadline
        groups.setdefault(year, []).append(QueueItem(proposal, record, year, deadline, late))
    return dict(sorted(groups.items()))


@dataclass
class YearView:
    fiscal_year: int
    rows: list[tuple[BudgetRecord, Proposal]]
    requested_yen_total: int
    approved_yen_total: int
    by_initiative: list[dict[str, Any]]
    by_department: list[dict[str, Any]]


def parse_fiscal_year(value: int | str | None) -> int:
    """A fiscal year from a query string: Invalid (422) when missing or absurd."""
    text = str(value).strip() if value is not None else ""
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise Invalid(
            N_("年度を2000～2100の整数で指定してください。"),
            errors=[
                {
                    "loc": ["query", "fiscal_year"],
                    "msg": N_("年度を2000～2100の整数で指定してください。"),
                }
            ],
        )
    return int(text)


def year_view(session: Session, *, user: User, fiscal_year: int | str | None) -> YearView:
    """The records whose money is for this fiscal year, with totals requested against
    approved, overall and by initiative and by implementing department (summed in SQL).
    403 unless finance or secretariat, checked before the year (422)."""
    if not can_view_budgets(user):
        raise Forbidden(VIEW_ONLY)
    fiscal_year = parse_fiscal_year(fiscal_year)
    in_year = (col(BudgetRecord.fiscal_year) == fiscal_year) & col(BudgetRecord.required).is_(True)
    rows = session.exec(
        select(BudgetRecord, Proposal)
        .join(Proposal, col(Proposal.id) == BudgetRecord.proposal_id)
        .where(in_year)
        .order_by(col(Proposal.number), col(BudgetRecord.id))
    ).all()
    requested = func.coalesce(func.sum(BudgetRecord.requested_yen), 0)
    approved = func.coalesce(func.sum(BudgetRecord.approved_yen), 0)
    totals = session.exec(select(requested, approved).where(in_year)).one()
    by_initiative = session.exec(
        select(Proposal.initiative_id, requested, approved, func.count())
        .join(Proposal, col(Proposal.id) == BudgetRecord.proposal_id)
        .where(in_year)
        .group_by(col(Proposal.initiative_id))
        .order_by(col(Proposal.initiative_id).nulls_last())  # "none" last on both databases
    ).all()
    by_department = session.exec(
        select(Proposal.implementing_department_id, requested, approved, func.count())
        .join(Proposal, col(Proposal.id) == BudgetRecord.proposal_id)
        .where(in_year)
        .group_by(col(Proposal.implementing_department_id))
        .order_by(col(Proposal.implementing_department_id).nulls_last())
    ).all()
    return YearView(
        fiscal_year=fiscal_year,
        rows=list(rows),
        requested_yen_total=int(totals[0] or 0),  # coalesce: never None
        approved_yen_total=int(totals[1] or 0),
        by_initiative=[
            {
                "initiative_id": i,
                "requested_yen": int(r or 0),
                "approved_yen": int(a or 0),
                "records": n,
            }
            for i, r, a, n in by_initiative
        ],
        by_department=[
            {
                "department_id": d,
                "requested_yen": int(r or 0),
                "approved_yen": int(a or 0),
                "records": n,
            }
            for d, r, a, n in by_department
        ],
    )
