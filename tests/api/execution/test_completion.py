"""Execution through the API — The completion report, the whole way through with its timeline, and If-Match."""

from datetime import date

import pytest
from sqlmodel import Session, select

from app.models import Notification, ProposalEvent
from app.models.enums import Status
from tests.api.execution.support import (
    API,
    COMPLETION,
    REPORT,
    add_stone,
    build,
    count,
    day,
    error_locs,
    get,
    last_event,
    send,
    state,
    writes,
)

CONFIRMED = {**COMPLETION, "close_open_milestones": True}

# -- complete -----------------------------------------------------------------------------------


def test_complete_keeps_estimated_target_and_actual_effects(session: Session, cast, api_as) -> None:
    proposal = build(session, cast, planned_end_date=date(2026, 6, 1))  # late, until now
    add_stone(session, proposal, day(-5))  # never ticked
    api = api_as(cast.doer)
    assert get(api, proposal)["overdue"] is True
    before = state(session, proposal.id)
    typed = {
        "report": REPORT,
        "actual_cost_yen": "３０万円",
        "actual_hours_saved_per_year_hours": "１２０時間",
        "actual_savings_yen_per_year": "５０，０００円",
    }
    # The milestone is still open: completing asks to close it first (nothing written).
    unconfirmed = api.post(f"{API}/proposals/{proposal.id}/complete", json=typed)
    assert unconfirmed.status_code == 422, unconfirmed.text
    assert unconfirmed.headers["content-type"] == "application/problem+json"
    assert [e["loc"] for e in unconfirmed.json()["errors"]] == [["body", "close_open_milestones"]]
    assert "未完了のマイルストーン" in unconfirmed.json()["errors"][0]["msg"]
    assert state(session, proposal.id) == before
    response = api.post(
        f"{API}/proposals/{proposal.id}/complete", json={**typed, "close_open_milestones": True}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "completed"
    assert (body["progress_percent"], body["overdue"]) == (100, False)
    assert body["completed_at"] is not None and body["completion_report"] == REPORT
    assert body["effect_measured_on"] == day(0)  # today by default
    assert "complete" not in body["allowed_actions"]
    # The three sets of effects side by side: the author's, the decision's, the report's.
    assert body["estimated_cost_yen"] == 400000
    assert body["estimated_hours_saved_per_year_hours"] == 150
    assert body["estimated_savings_yen_per_year"] == 60000
    assert body["target_hours_saved_per_year_hours"] == 100
    assert body["target_savings_yen_per_year"] == 40000
    assert body["actual_cost_yen"] == 300000
    assert body["actual_hours_saved_per_year_hours"] == 120
    assert body["actual_savings_yen_per_year"] == 50000
    # Stored, not just answered: anyone reading it later sees the same.
    assert get(api_as(cast.other_staff), proposal) == body
    # The milestone never ticked was closed on the completion date, as confirmed: the
    # milestones say 100 % as the bar does.
    listing = api.get(f"{API}/proposals/{proposal.id}/milestones").json()
    assert (listing["items"][0]["overdue"], listing["overdue"]) == (False, False)
    assert (listing["items"][0]["done"], listing["items"][0]["done_on"]) == (True, day(0))
    assert listing["progress_percent"] == 100
    event = last_event(session, proposal.id)
    assert (event.action, event.from_status, event.to_status, event.actor_id) == (
        "complete",
        "in_progress",
        "completed",
        cast.doer.id,
    )
    assert event.changes == {
        "actual_cost_yen": 300000,
        "actual_hours_saved_per_year_hours": 120.0,
        "actual_savings_yen_per_year": 50000,
        "effect_measured_on": day(0),
        "closed_milestones": ["業者選定"],
    }
    told = session.exec(
        select(Notification)
        .where(Notification.proposal_id == proposal.id)
        .where(Notification.kind == "execution")
    ).all()
    assert sorted(n.user_id for n in told) == sorted([cast.author.id, cast.co_author.id])
    assert all("実施完了" in n.title and n.body == REPORT for n in told)
    assert count(session, ProposalEvent, proposal.id) == before[13] + 1


def test_complete_with_a_measurement_date(session: Session, cast, api_as) -> None:
    proposal = build(session, cast)
    response = api_as(cast.secretariat).post(
        f"{API}/proposals/{proposal.id}/complete", json={**COMPLETION, "measured_on": day(-30)}
    )
    assert response.status_code == 200, response.text
    assert response.json()["effect_measured_on"] == day(-30)
    response = api_as(cast.secretariat).post(
        f"{API}/proposals/{build(session, cast).id}/complete",
        json={**COMPLETION, "measured_on": day(0)},
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"actual_cost_yen": -1}, "actual_cost_yen"),
        ({"actual_savings_yen_per_year": -5000}, "actual_savings_yen_per_year"),
        ({"actual_hours_saved_per_year_hours": -0.5}, "actual_hours_saved_per_year_hours"),
        ({"actual_cost_yen": "たくさん"}, "actual_cost_yen"),
        ({"actual_cost_yen": ""}, "actual_cost_yen"),
        ({"actual_cost_yen": None}, "actual_cost_yen"),
        ({"actual_savings_yen_per_year": True}, "actual_savings_yen_per_year"),
        ({"report": ""}, "report"),
        ({"report": "   \n "}, "report"),
        ({"report": None}, "report"),
        ({"measured_on": day(1)}, "measured_on"),
        ({"measured_on": "2026-02-30"}, "measured_on"),
        ({"completed_at": "2026-06-15T09:00:00+09:00"}, "completed_at"),
    ],
)
def test_the_completion_report_is_checked(change, loc, session: Session, cast, api_as) -> None:
    proposal = build(session, cast)
    before = state(session, proposal.id)
    response = api_as(cast.doer).post(
        f"{API}/proposals/{proposal.id}/complete", json={**COMPLETION, **change}
    )
    assert response.status_code == 422, response.text
    assert ["body", loc] in error_locs(response)
    assert state(session, proposal.id) == before


@pytest.mark.parametrize(
    "missing",
    [
        "report",
        "actual_cost_yen",
        "actual_hours_saved_per_year_hours",
        "actual_savings_yen_per_year",
    ],
)
def test_every_completion_field_is_required(missing, session: Session, cast, api_as) -> None:
    proposal = build(session, cast)
    before = state(session, proposal.id)
    body = {k: v for k, v in COMPLETION.items() if k != missing}
    response = api_as(cast.doer).post(f"{API}/proposals/{proposal.id}/complete", json=body)
    assert response.status_code == 422, response.text
    assert ["body", missing] in error_locs(response)
    assert state(session, proposal.id) == before


def test_a_completed_proposal_takes_no_more_execution_writes(
    session: Session, cast, api_as
) -> None:
    proposal = build(session, cast)
    stone = add_stone(session, proposal, day(3))
    api = api_as(cast.doer)
    url = f"{API}/proposals/{proposal.id}"
    assert api.post(f"{url}/complete", json=CONFIRMED).status_code == 200
    before = state(session, proposal.id)
    for response in (
        api.post(f"{url}/complete", json=COMPLETION),
        api.post(f"{url}/start", json={}),
        api.post(f"{url}/milestones", json={"title": "追加", "due_date": day(3)}),
        api.patch(f"{url}/milestones/{stone.id}", json={"done": True}),
        api.delete(f"{url}/milestones/{stone.id}"),
        api.post(f"{url}/progress", json={"note": "完了"}),
    ):
        assert response.status_code == 409, response.text
        assert "completed" in response.json()["detail"]
    assert state(session, proposal.id) == before


def test_complete_from_adopted_only_when_already_implemented(
    session: Session, cast, api_as
) -> None:
    api = api_as(cast.doer)
    waiting = build(session, cast, Status.adopted, budget_status="not_required")
    before = state(session, waiting.id)
    response = api.post(f"{API}/proposals/{waiting.id}/complete", json=COMPLETION)
    assert response.status_code == 409, response.text
    assert "実施済み報告" in response.json()["detail"]
    assert state(session, waiting.id) == before

    done = build(session, cast, Status.adopted, already_implemented=True)
    assert get(api, done)["allowed_actions"] == ["complete"]
    response = api.post(f"{API}/proposals/{done.id}/complete", json=COMPLETION)
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["progress_percent"]) == ("completed", 100)
    assert last_event(session, done.id).from_status == "adopted"


# -- the whole way through, and the timeline -----------------------------------------------------


def test_from_budgeted_to_completed_with_every_event(session: Session, cast, api_as) -> None:
    proposal = build(session, cast, Status.budgeted)
    api = api_as(cast.doer)
    url = f"{API}/proposals/{proposal.id}"
    assert api.post(f"{url}/start", json={"planned_end_date": day(90)}).status_code == 200
    first = api.post(f"{url}/milestones", json={"title": "設計", "due_date": day(10), "weight": 2})
    api.post(f"{url}/milestones", json={"title": "導入", "due_date": day(60), "weight": 1})
    api.patch(f"{url}/milestones/{first.json()['id']}", json={"done": True})
    assert get(api, proposal)["progress_percent"] == 67  # 2 of 3 = 66.7
    # A typed figure other than the milestones' is refused; a report without one records it.
    typed = api.post(f"{url}/progress", json={"percent": 80, "note": "導入準備中"})
    assert typed.status_code == 422 and "67%" in typed.json()["errors"][0]["msg"]
    reported = api.post(f"{url}/progress", json={"note": "導入準備中"})
    assert (reported.status_code, reported.json()["percent"]) == (201, 67)
    assert get(api, proposal)["progress_percent"] == 67  # milestones decide
    assert api.post(f"{url}/complete", json=CONFIRMED).status_code == 200

    timeline = api.get(f"{url}/events").json()["items"]
    assert [e["action"] for e in timeline][-6:] == [
        "start",
        "milestone-add",
        "milestone-add",
        "milestone-done",
        "progress",
        "complete",
    ]
    transitions = [(e["from_status"], e["to_status"]) for e in timeline if e["to_status"]]
    assert transitions[-2:] == [("budgeted", "in_progress"), ("in_progress", "completed")]
    assert all(e["actor_id"] == cast.doer.id for e in timeline[-6:])


# -- If-Match -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["start", *(w[0] for w in writes(0, 0))])
def test_a_stale_if_match_is_412_and_a_current_one_proceeds(
    name: str, session: Session, cast, api_as
) -> None:
    status = Status.budgeted if name == "start" else Status.in_progress
    proposal = build(session, cast, status)
    stone = add_stone(session, proposal, day(5))  # moves the version on
    listed = {w[0]: w[1:] for w in writes(proposal.id, stone.id)}
    method, path, body = listed.get(
        name, ("POST", f"{API}/proposals/{proposal.id}/start", {"planned_end_date": day(30)})
    )
    api = api_as(cast.doer)
    etag = api.get(f"{API}/proposals/{proposal.id}").headers["ETag"]
    stale = f'"{proposal.version - 1}"'
    assert etag != stale
    before = state(session, proposal.id)
    response = send(api, method, path, body, headers={"If-Match": stale})
    assert response.status_code == 412, response.text
    assert state(session, proposal.id) == before
    response = send(api, method, path, body, headers={"If-Match": etag})
    assert response.status_code in (200, 201, 204), response.text
    assert state(session, proposal.id)[1] == before[1] + 1
