"""Execution through the API — Starting the work: the owner, the planned end, the budget guard."""

import pytest
from sqlmodel import Session, select

from app.models import Notification
from app.models.enums import Status
from tests.api.execution.support import API, build, error_locs, last_event, state

# -- start -------------------------------------------------------------------------------------


def test_start_defaults_the_owner_to_the_caller(session: Session, cast, api_as) -> None:
    proposal = build(session, cast, Status.budgeted)
    before = state(session, proposal.id)
    response = api_as(cast.doer).post(
        f"{API}/proposals/{proposal.id}/start", json={"planned_end_date": "2027-03-31"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "in_progress"
    assert body["owner_id"] == cast.doer.id
    assert body["planned_end_date"] == "2027-03-31"
    assert body["started_at"] is not None
    assert body["version"] == before[1] + 1
    assert response.headers["ETag"] == f'"{before[1] + 1}"'
    assert body["progress_percent"] is None and body["overdue"] is False
    assert "start" not in body["allowed_actions"] and "complete" in body["allowed_actions"]
    event = last_event(session, proposal.id)
    assert (event.action, event.from_status, event.to_status, event.actor_id) == (
        "start",
        "budgeted",
        "in_progress",
        cast.doer.id,
    )
    assert event.changes == {"owner_id": cast.doer.id, "planned_end_date": "2027-03-31"}
    told = session.exec(select(Notification).where(Notification.proposal_id == proposal.id)).all()
    assert sorted(n.user_id for n in told) == sorted([cast.author.id, cast.co_author.id])
    assert all(n.kind == "execution" and "実施開始" in n.title for n in told)
    assert all("窓口予約システムの導入" in n.title for n in told)


def test_start_from_adopted_when_no_budget_is_needed(session: Session, cast, api_as) -> None:
    proposal = build(session, cast, Status.adopted, budget_status="not_required")
    response = api_as(cast.doer).post(
        f"{API}/proposals/{proposal.id}/start", json={"owner_id": cast.colleague.id}
    )
    assert response.status_code == 200, response.text
    assert response.json()["owner_id"] == cast.colleague.id
    assert response.json()["planned_end_date"] is None


@pytest.mark.parametrize("budget_status", [None, "requested", "denied"])
def test_start_from_adopted_waits_for_the_budget(
    budget_status, session: Session, cast, api_as
) -> None:
    proposal = build(session, cast, Status.adopted, budget_status=budget_status)
    before = state(session, proposal.id)
    response = api_as(cast.doer).post(f"{API}/proposals/{proposal.id}/start", json={})
    assert response.status_code == 409, response.text
    assert "予算" in response.json()["detail"]
    assert state(session, proposal.id) == before


def test_the_secretariat_starts_without_becoming_the_owner(session: Session, cast, api_as) -> None:
    api = api_as(cast.secretariat)
    first = build(session, cast, Status.budgeted)
    response = api.post(f"{API}/proposals/{first.id}/start", json={})
    assert response.status_code == 200, response.text
    assert response.json()["owner_id"] is None  # the secretariat is not in the department
    second = build(session, cast, Status.budgeted)
    response = api.post(f"{API}/proposals/{second.id}/start", json={"owner_id": cast.doer.id})
    assert response.status_code == 200, response.text
    assert response.json()["owner_id"] == cast.doer.id


@pytest.mark.parametrize("who", ["other_staff", "retired", "author", "nobody"])
def test_start_refuses_an_owner_outside_the_department(
    who: str, session: Session, cast, api_as
) -> None:
    owner_id = 999_999 if who == "nobody" else getattr(cast, who).id
    proposal = build(session, cast, Status.budgeted)
    before = state(session, proposal.id)
    response = api_as(cast.doer).post(
        f"{API}/proposals/{proposal.id}/start",
        json={"owner_id": owner_id, "planned_end_date": "2027-03-31"},
    )
    assert response.status_code == 422, response.text
    assert error_locs(response) == [["body", "owner_id"]]
    assert state(session, proposal.id) == before


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"planned_end_date": "2027-02-30"}, ["body", "planned_end_date"]),
        ({"planned_end_date": "来年3月"}, ["body", "planned_end_date"]),
        ({"owner_id": "誰か"}, ["body", "owner_id"]),
        ({"status": "in_progress"}, ["body", "status"]),
    ],
)
def test_start_refuses_bad_fields(body, loc, session: Session, cast, api_as) -> None:
    proposal = build(session, cast, Status.budgeted)
    before = state(session, proposal.id)
    response = api_as(cast.doer).post(f"{API}/proposals/{proposal.id}/start", json=body)
    assert response.status_code == 422, response.text
    assert loc in error_locs(response)
    assert state(session, proposal.id) == before


def test_start_answers_422_before_409(session: Session, cast, api_as) -> None:
    proposal = build(session, cast, Status.in_progress)
    before = state(session, proposal.id)
    api = api_as(cast.doer)
    bad = api.post(f"{API}/proposals/{proposal.id}/start", json={"owner_id": cast.other_staff.id})
    assert bad.status_code == 422, bad.text
    good = api.post(f"{API}/proposals/{proposal.id}/start", json={})
    assert good.status_code == 409, good.text
    assert "in_progress" in good.json()["detail"]
    assert state(session, proposal.id) == before
