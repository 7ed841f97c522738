"""start and complete (issue 6) for every (status, actor), with each budget status for start
and with and without "already implemented" for complete, through
POST /api/v1/proposals/{id}/start and /complete — the lifecycle table test's pattern.

Written out from API.md, independently of the lifecycle module: a member of the
implementing department or the secretariat may start a budgeted proposal, or an adopted one
whose budget finance marked not required, and complete one in progress, or an adopted
"already implemented" report (実施済み報告). Anyone else gets 404 when they cannot see the
proposal and 403 when they can; the implementers get 409 in any other status or when the
budget is not settled. Nothing is written unless the answer is 200.
"""

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import Notification, Proposal, ProposalEvent
from app.models.enums import BudgetStatus, Status
from tests.helpers import proposal_in
from tests.lifecycle.cast import ACTORS, can_see

IMPLEMENTERS = {"implementer", "secretariat"}
# None: finance has not recorded anything yet.
BUDGET_STATUSES = [
    None,
    BudgetStatus.requested,
    BudgetStatus.not_required,
    BudgetStatus.denied,
    BudgetStatus.approved,
]
COMPLETION = {
    "report": "予約システムを導入し、窓口の待ち時間が半分になった",
    "actual_cost_yen": 300000,
    "actual_hours_saved_per_year_hours": 120,
    "actual_savings_yen_per_year": 50000,
}


def startable(status: Status, budget_status: BudgetStatus | None) -> bool:
    return status == Status.budgeted or (
        status == Status.adopted and budget_status == BudgetStatus.not_required
    )


def completable(status: Status, already_implemented: bool) -> bool:
    return status == Status.in_progress or (status == Status.adopted and already_implemented)


def expected(actor: str, status: Status, permitted_in_status: bool) -> int:
    if not can_see(actor, status):
        return 404
    if actor not in IMPLEMENTERS:
        return 403
    if not permitted_in_status:
        return 409
    return 200


def build(
    session: Session,
    cast: dict,
    status: Status,
    *,
    budget_status: BudgetStatus | None = None,
    already_implemented: bool = False,
) -> Proposal:
    proposal = proposal_in(
        session,
        status,
        author=cast["author"],
        co_authors=[cast["co_author"]],
        already_implemented=already_implemented,
    )
    proposal.implementing_department_id = cast["_implementing"].id
    proposal.budget_status = budget_status.value if budget_status else None
    session.add(proposal)
    session.commit()
    session.refresh(proposal)
    return proposal


def count(session: Session, model, proposal_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(model).where(model.proposal_id == proposal_id)
    ).one()


def snapshot(session: Session, proposal_id: int) -> tuple:
    session.expire_all()
    stored = session.get(Proposal, proposal_id)
    return (
        stored.status,
        stored.version,
        stored.owner_id,
        stored.started_at,
        stored.completed_at,
        stored.completion_report,
        stored.progress_percent,
        count(session, ProposalEvent, proposal_id),
        count(session, Notification, proposal_id),
    )


def last_event(session: Session, proposal_id: int) -> ProposalEvent:
    return session.exec(
        select(ProposalEvent)
        .where(ProposalEvent.proposal_id == proposal_id)
        .order_by(col(ProposalEvent.id).desc())
    ).first()


def check_refused(session, response, want, status, before, proposal_id, guard_word) -> None:
    assert response.headers["content-type"].startswith("application/problem+json")
    assert snapshot(session, proposal_id) == before
    if want == 409:
        detail = response.json()["detail"]
        if status == Status.adopted:
            assert guard_word in detail  # the guard's own message
        else:
            assert status.value in detail  # names the current status


@pytest.mark.parametrize("budget_status", BUDGET_STATUSES, ids=str)
@pytest.mark.parametrize("status", list(Status))
def test_start_for_every_actor(
    status: Status, budget_status: BudgetStatus | None, cast, api_as, session: Session
) -> None:
    for actor in ACTORS:
        proposal = build(session, cast, status, budget_status=budget_status)
        before = snapshot(session, proposal.id)
        want = expected(actor, status, startable(status, budget_status))
        response = api_as(cast[actor]).post(
            f"/api/v1/proposals/{proposal.id}/start", json={"planned_end_date": "2027-03-31"}
        )
        assert response.status_code == want, (actor, status, budget_status, response.text)
        if want != 200:
            check_refused(session, response, want, status, before, proposal.id, "予算")
            continue
        body = response.json()
        # The owner defaults to the caller only when they belong to the department.
        owner = cast["implementer"].id if actor == "implementer" else None
        assert (body["status"], body["owner_id"], body["planned_end_date"]) == (
            "in_progress",
            owner,
            "2027-03-31",
        )
        assert body["started_at"] is not None
        session.expire_all()
        stored = session.get(Proposal, proposal.id)
        assert stored.version == before[1] + 1
        assert count(session, ProposalEvent, proposal.id) == before[7] + 1
        event = last_event(session, proposal.id)
        assert (event.action, event.from_status, event.to_status, event.actor_id) == (
            "start",
            status.value,
            "in_progress",
            cast[actor].id,
        )
        assert event.changes == {"owner_id": owner, "planned_end_date": "2027-03-31"}
        # Both authors are told.
        assert count(session, Notification, proposal.id) == before[8] + 2


@pytest.mark.parametrize("already_implemented", [False, True], ids=["normal", "already"])
@pytest.mark.parametrize("status", list(Status))
def test_complete_for_every_actor(
    status: Status, already_implemented: bool, cast, api_as, session: Session
) -> None:
    for actor in ACTORS:
        proposal = build(session, cast, status, already_implemented=already_implemented)
        before = snapshot(session, proposal.id)
        want = expected(actor, status, completable(status, already_implemented))
        response = api_as(cast[actor]).post(
            f"/api/v1/proposals/{proposal.id}/complete", json=COMPLETION
        )
        assert response.status_code == want, (actor, status, already_implemented, response.text)
        if want != 200:
            check_refused(session, response, want, status, before, proposal.id, "実施済み報告")
            continue
        body = response.json()
        assert body["status"] == "completed"
        assert body["progress_percent"] == 100 and body["overdue"] is False
        assert body["completed_at"] is not None
        assert body["completion_report"] == COMPLETION["report"]
        assert (
            body["actual_cost_yen"],
            body["actual_hours_saved_per_year_hours"],
            body["actual_savings_yen_per_year"],
        ) == (300000, 120.0, 50000)
        session.expire_all()
        assert session.get(Proposal, proposal.id).version == before[1] + 1
        assert count(session, ProposalEvent, proposal.id) == before[7] + 1
        event = last_event(session, proposal.id)
        assert (event.action, event.from_status, event.to_status, event.actor_id) == (
            "complete",
            status.value,
            "completed",
            cast[actor].id,
        )
        assert count(session, Notification, proposal.id) == before[8] + 2


@pytest.mark.parametrize("already_implemented", [False, True], ids=["normal", "already"])
@pytest.mark.parametrize("budget_status", BUDGET_STATUSES, ids=str)
@pytest.mark.parametrize("status", list(Status))
def test_allowed_actions_offer_start_and_complete_exactly_when_permitted(
    status: Status,
    budget_status: BudgetStatus | None,
    already_implemented: bool,
    cast,
    api_as,
    session: Session,
) -> None:
    proposal = build(
        session,
        cast,
        status,
        budget_status=budget_status,
        already_implemented=already_implemented,
    )
    for actor in ACTORS:
        response = api_as(cast[actor]).get(f"/api/v1/proposals/{proposal.id}")
        if not can_see(actor, status):
            assert response.status_code == 404, (actor, status)
            continue
        offered = set(response.json()["allowed_actions"]) & {"start", "complete"}
        want = set()
        if expected(actor, status, startable(status, budget_status)) == 200:
            want.add("start")
        if expected(actor, status, completable(status, already_implemented)) == 200:
            want.add("complete")
        assert offered == want, (actor, status, budget_status, already_implemented)
