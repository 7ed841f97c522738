"""approve-budget (issue 5) for every (status, actor), with and without a budget request
recorded, through POST /api/v1/proposals/{id}/budget/approve — the lifecycle table test's
pattern, extended to finance's action.

Written out from API.md, independently of the lifecycle module: finance may approve only
an adopted proposal with a request waiting (200, one event, the record approved); anyone
else gets 404 when they cannot see the proposal and 403 when they can; finance gets 409
in any other status, or without a request. Nothing is written unless the answer is 200.
"""

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import BudgetRecord, Proposal, ProposalEvent
from app.models.enums import BudgetStatus, Status
from app.wareki import fiscal_year_of, today_jst
from tests.helpers import proposal_in
from tests.lifecycle.cast import ACTORS, can_see

REQUESTED_YEN = 500000


def expected(actor: str, status: Status, requested: bool) -> int:
    if not can_see(actor, status):
        return 404
    if actor != "finance":
        return 403
    if status != Status.adopted or not requested:
        return 409
    return 200


def build(session: Session, cast: dict, status: Status, requested: bool) -> Proposal:
    """A proposal in `status` (with its implementing department), and a budget request
    waiting for finance when `requested`."""
    proposal = proposal_in(session, status, author=cast["author"], co_authors=[cast["co_author"]])
    proposal.implementing_department_id = cast["_implementing"].id
    session.add(proposal)
    if requested:
        session.add(
            BudgetRecord(
                proposal_id=proposal.id,
                fiscal_year=fiscal_year_of(today_jst()) + 1,
                requested_yen=REQUESTED_YEN,
                status=BudgetStatus.requested.value,
            )
        )
        proposal.budget_status = BudgetStatus.requested.value  # as the budget service keeps it
    session.commit()
    session.refresh(proposal)
    return proposal


def event_count(session: Session, proposal_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(ProposalEvent)
        .where(ProposalEvent.proposal_id == proposal_id)
    ).one()


def records(session: Session, proposal_id: int) -> list[dict]:
    return [
        r.model_dump()
        for r in session.exec(
            select(BudgetRecord)
            .where(BudgetRecord.proposal_id == proposal_id)
            .order_by(col(BudgetRecord.id))
        ).all()
    ]


@pytest.mark.parametrize("requested", [True, False], ids=["requested", "no-request"])
@pytest.mark.parametrize("status", list(Status))
def test_approve_budget_for_every_actor(
    status: Status, requested: bool, cast, api_as, session: Session
) -> None:
    for actor in ACTORS:
        proposal = build(session, cast, status, requested)
        before_events = event_count(session, proposal.id)
        before_records = records(session, proposal.id)
        version_before = proposal.version
        want = expected(actor, status, requested)
        response = api_as(cast[actor]).post(
            f"/api/v1/proposals/{proposal.id}/budget/approve",
            json={"approved_yen": REQUESTED_YEN},
        )
        assert response.status_code == want, (actor, status, requested, response.text)
        assert response.headers["content-type"].startswith(
            "application/json" if want == 200 else "application/problem+json"
        )
        session.expire_all()
        stored = session.get(Proposal, proposal.id)
        if want == 200:
            assert response.json()["status"] == "budgeted"
            assert stored.status == Status.budgeted.value
            assert stored.version == version_before + 1
            assert event_count(session, proposal.id) == before_events + 1
            last = session.exec(
                select(ProposalEvent)
                .where(ProposalEvent.proposal_id == proposal.id)
                .order_by(col(ProposalEvent.id).desc())
            ).first()
            assert (last.action, last.from_status, last.to_status, last.actor_id) == (
                "approve-budget",
                "adopted",
                "budgeted",
                cast["finance"].id,
            )
            (record,) = records(session, proposal.id)
            assert (record["status"], record["approved_yen"], record["decided_by_id"]) == (
                "approved",
                REQUESTED_YEN,
                cast["finance"].id,
            )
        else:
            assert stored.status == status.value
            assert stored.version == version_before
            assert event_count(session, proposal.id) == before_events
            assert records(session, proposal.id) == before_records
        if want == 409 and status != Status.adopted:
            assert status.value in response.json()["detail"]  # names the current status


@pytest.mark.parametrize("requested", [True, False], ids=["requested", "no-request"])
@pytest.mark.parametrize("status", list(Status))
def test_allowed_actions_offer_approve_budget_exactly_when_permitted(
    status: Status, requested: bool, cast, api_as, session: Session
) -> None:
    proposal = build(session, cast, status, requested)
    for actor in ACTORS:
        response = api_as(cast[actor]).get(f"/api/v1/proposals/{proposal.id}")
        if not can_see(actor, status):
            assert response.status_code == 404, (actor, status)
            continue
        assert response.status_code == 200, (actor, status, response.text)
        offered = "approve-budget" in response.json()["allowed_actions"]
        assert offered == (expected(actor, status, requested) == 200), (actor, status, requested)


@pytest.mark.parametrize("budget_status", [BudgetStatus.not_required, BudgetStatus.denied], ids=str)
def test_a_decided_request_cannot_be_approved(
    budget_status: BudgetStatus, cast, api_as, session: Session
) -> None:
    proposal = build(session, cast, Status.adopted, requested=False)
    session.add(
        BudgetRecord(
            proposal_id=proposal.id,
            fiscal_year=fiscal_year_of(today_jst()) + 1,
            required=budget_status != BudgetStatus.not_required,
            requested_yen=REQUESTED_YEN if budget_status == BudgetStatus.denied else None,
            approved_yen=0 if budget_status == BudgetStatus.denied else None,
            status=budget_status.value,
        )
    )
    proposal.budget_status = budget_status.value
    session.add(proposal)
    session.commit()
    before = (event_count(session, proposal.id), records(session, proposal.id))
    api = api_as(cast["finance"])
    assert (
        "approve-budget"
        not in api.get(f"/api/v1/proposals/{proposal.id}").json()["allowed_actions"]
    )
    response = api.post(
        f"/api/v1/proposals/{proposal.id}/budget/approve", json={"approved_yen": REQUESTED_YEN}
    )
    assert response.status_code == 409, response.text
    session.expire_all()
    assert session.get(Proposal, proposal.id).status == "adopted"
    assert (event_count(session, proposal.id), records(session, proposal.id)) == before
