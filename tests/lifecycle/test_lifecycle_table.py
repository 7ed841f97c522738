"""Every (status, action, role) of the lifecycle's routed actions, through the API.

The expectations are written out here from API.md, independently of the lifecycle module:
allowed pairs answer 200 and write exactly one event; the others answer 404 (cannot see),
403 (can see, not theirs to do) or 409 (theirs, but not in this status) and write nothing.

The proposals here have an implementing department but no budget record and are not
"already implemented" reports, so `start` is open only from budgeted and `complete` only
from in_progress; the adopted cases that depend on the budget status or on
already_implemented are in test_execution_transitions.py.
"""

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from app.models import Proposal, ProposalEvent
from app.models.enums import Status
from tests.helpers import proposal_in
from tests.lifecycle.cast import ACTORS, can_see

# action -> (who may take it, from which statuses, to which status)
TABLE = {
    "submit": ({"author", "co_author"}, {Status.draft, Status.returned}, Status.submitted),
    "return": ({"secretariat"}, {Status.submitted}, Status.returned),
    "not-accept": ({"secretariat"}, {Status.submitted}, Status.not_accepted),
    "accept": ({"secretariat"}, {Status.submitted}, Status.in_review),
    "withdraw": (
        {"author"},
        {Status.draft, Status.submitted, Status.returned, Status.in_review},
        Status.withdrawn,
    ),
    "decide": ({"secretariat"}, {Status.in_review}, Status.adopted),
    "reopen-review": ({"secretariat"}, {Status.deferred}, Status.in_review),
    "start": ({"implementer", "secretariat"}, {Status.budgeted}, Status.in_progress),
    "complete": ({"implementer", "secretariat"}, {Status.in_progress}, Status.completed),
}
# 409s given by a guard beyond the source status answer the guard's own message (checked
# in test_execution_transitions.py), which does not name the status.
GUARDED = {("start", Status.adopted), ("complete", Status.adopted)}
COMPLETION = {
    "report": "予約システムを導入し、窓口の待ち時間が半分になった",
    "actual_cost_yen": 300000,
    "actual_hours_saved_per_year_hours": 120,
    "actual_savings_yen_per_year": 50000,
}


def body_for(action: str, department_id: int) -> dict:
    if action in ("return", "not-accept", "withdraw"):
        return {"reason": "理由です"}
    if action == "decide":
        return {
            "outcome": "adopted",
            "reason": "効果が大きい",
            "award": "excellent",
            "implementing_department_id": department_id,
        }
    if action == "complete":
        return COMPLETION
    return {}


def expected(actor: str, status: Status, action: str) -> int:
    who, sources, _ = TABLE[action]
    if not can_see(actor, status):
        return 404
    if actor not in who:
        return 403
    if status not in sources:
        return 409
    return 200


def build(session: Session, cast: dict, status: Status) -> Proposal:
    """A proposal in `status` whose implementing department is the implementer's (named at
    the decision; set here for every status, so only the status decides)."""
    proposal = proposal_in(session, status, author=cast["author"], co_authors=[cast["co_author"]])
    proposal.implementing_department_id = cast["_implementing"].id
    session.add(proposal)
    session.commit()
    session.refresh(proposal)
    return proposal


def event_count(session: Session, proposal_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(ProposalEvent)
        .where(ProposalEvent.proposal_id == proposal_id)
    ).one()


@pytest.mark.parametrize("action", list(TABLE))
@pytest.mark.parametrize("status", list(Status))
def test_every_role_in_every_status(
    status: Status, action: str, cast, api_as, session: Session
) -> None:
    for actor in ACTORS:
        proposal = build(session, cast, status)
        before_events = event_count(session, proposal.id)
        version_before = proposal.version
        api = api_as(cast[actor])
        want = expected(actor, status, action)
        body = body_for(action, cast["author"].department_id)
        response = api.post(f"/api/v1/proposals/{proposal.id}/{action}", json=body)
        assert response.status_code == want, (actor, status, action, response.text)
        assert response.headers["content-type"].startswith(
            "application/json" if want == 200 else "application/problem+json"
        )
        session.expire_all()
        stored = session.get(Proposal, proposal.id)
        if want == 200:
            assert stored.status == TABLE[action][2].value
            assert stored.version == version_before + 1
            assert event_count(session, proposal.id) == before_events + 1
            last = session.exec(
                select(ProposalEvent)
                .where(ProposalEvent.proposal_id == proposal.id)
                .order_by(ProposalEvent.id.desc())
            ).first()
            assert (last.action, last.from_status, last.to_status, last.actor_id) == (
                action,
                status.value,
                TABLE[action][2].value,
                cast[actor].id,
            )
        else:
            assert stored.status == status.value
            assert stored.version == version_before
            assert event_count(session, proposal.id) == before_events
        if want == 409 and (action, status) not in GUARDED:
            detail = response.json()["detail"]
            assert status.value in detail  # names the current status


@pytest.mark.parametrize("status", list(Status))
def test_allowed_actions_lists_exactly_the_permitted_actions(
    status: Status, cast, api_as, session: Session
) -> None:
    proposal = build(session, cast, status)
    for actor in ACTORS:
        if not can_see(actor, status):
            continue
        body = api_as(cast[actor]).get(f"/api/v1/proposals/{proposal.id}").json()
        want = {a for a in TABLE if expected(actor, status, a) == 200}
        assert set(body["allowed_actions"]) == want, (actor, status)
