"""Issue 17 item 6: progress has one source — the weighted milestones when there are any,
the typed report otherwise — and completing with milestones still open asks to close them
(`close_open_milestones`, the rulebook's confirmation for `complete`)."""

import pytest
from sqlmodel import Session

from app.models.enums import Status
from tests.api.execution.support import (
    API,
    COMPLETION,
    add_stone,
    build,
    day,
    error_locs,
    get,
    last_event,
    state,
)

CONFIRMED = {**COMPLETION, "close_open_milestones": True}


def test_without_milestones_the_typed_percent_is_progress_and_required(
    session: Session, cast, api_as
) -> None:
    proposal = build(session, cast)
    api = api_as(cast.doer)
    url = f"{API}/proposals/{proposal.id}/progress"
    before = state(session, proposal.id)
    missing = api.post(url, json={"note": "進めています"})
    assert missing.status_code == 422
    assert error_locs(missing) == [["body", "percent"]]
    assert "進捗率を入力してください" in missing.json()["errors"][0]["msg"]
    assert state(session, proposal.id) == before
    reported = api.post(url, json={"percent": 30, "note": "端末を発注した"})
    assert (reported.status_code, reported.json()["percent"]) == (201, 30)
    assert get(api, proposal)["progress_percent"] == 30


def test_with_milestones_a_report_records_their_figure_and_refuses_another(
    session: Session, cast, api_as
) -> None:
    proposal = build(session, cast)
    add_stone(session, proposal, day(-3), weight=1, done_on=day(-3))
    add_stone(session, proposal, day(20), weight=2)  # 1 of 3 done: 33 %
    api = api_as(cast.doer)
    url = f"{API}/proposals/{proposal.id}/progress"
    assert get(api, proposal)["progress_percent"] == 33

    # The case: 30 % typed while the milestones say 33 %.
    before = state(session, proposal.id)
    typed = api.post(url, json={"percent": 30, "note": "三割ほど"})
    assert typed.status_code == 422
    assert typed.headers["content-type"] == "application/problem+json"
    assert error_locs(typed) == [["body", "percent"]]
    assert "マイルストーン" in typed.json()["errors"][0]["msg"]
    assert "33%" in typed.json()["errors"][0]["msg"]
    assert state(session, proposal.id) == before

    for body in ({"note": "設計が終わった"}, {"percent": 33, "note": "同じ値"}):
        response = api.post(url, json=body)
        assert (response.status_code, response.json()["percent"]) == (201, 33), response.text
    listed = api.get(url).json()["items"]
    assert [u["percent"] for u in listed] == [33, 33]
    # The bar and every report agree: one figure.
    assert get(api, proposal)["progress_percent"] == 33
    assert api.get(f"{API}/proposals/{proposal.id}/milestones").json()["progress_percent"] == 33
    assert last_event(session, proposal.id).changes == {"percent": 33, "note": "同じ値"}


@pytest.mark.parametrize("answer", [None, False, "true", 1])
def test_completing_with_open_milestones_needs_the_confirmation(
    answer, session: Session, cast, api_as
) -> None:
    proposal = build(session, cast)
    add_stone(session, proposal, day(-3), done_on=day(-3))
    add_stone(session, proposal, day(30))  # still open
    api = api_as(cast.doer)
    body = dict(COMPLETION) if answer is None else {**COMPLETION, "close_open_milestones": answer}
    before = state(session, proposal.id)
    response = api.post(f"{API}/proposals/{proposal.id}/complete", json=body)
    assert response.status_code == 422, response.text
    assert error_locs(response) == [["body", "close_open_milestones"]]
    assert state(session, proposal.id) == before
    assert get(api, proposal)["status"] == "in_progress"


@pytest.mark.parametrize("actor", ["doer", "colleague", "secretariat"])
def test_confirmed_completion_closes_the_open_milestones(
    actor: str, session: Session, cast, api_as
) -> None:
    proposal = build(session, cast)
    add_stone(session, proposal, day(-3), done_on=day(-10))
    add_stone(session, proposal, day(30), weight=3)
    api = api_as(getattr(cast, actor))
    response = api.post(f"{API}/proposals/{proposal.id}/complete", json=CONFIRMED)
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["progress_percent"]) == ("completed", 100)
    listing = api.get(f"{API}/proposals/{proposal.id}/milestones").json()
    assert [(m["done"], m["done_on"]) for m in listing["items"]] == [
        (True, day(-10)),  # done earlier: kept
        (True, day(0)),  # closed on the completion date
    ]
    assert listing["progress_percent"] == 100
    assert last_event(session, proposal.id).changes["closed_milestones"] == ["業者選定"]


def test_no_open_milestone_no_question(session: Session, cast, api_as) -> None:
    proposal = build(session, cast)
    add_stone(session, proposal, day(-3), done_on=day(-3))
    response = api_as(cast.doer).post(f"{API}/proposals/{proposal.id}/complete", json=COMPLETION)
    assert response.status_code == 200, response.text
    assert "closed_milestones" not in last_event(session, proposal.id).changes


def test_the_question_comes_after_who_and_the_status_still_decides(
    session: Session, cast, api_as
) -> None:
    proposal = build(session, cast)
    add_stone(session, proposal, day(30))
    url = f"{API}/proposals/{proposal.id}/complete"
    before = state(session, proposal.id)
    # Nobody outside the implementing department and the secretariat: 403, asked or not.
    for outsider in (cast.author, cast.other_staff, cast.finance, cast.reviewer, cast.supervisor):
        for body in (COMPLETION, CONFIRMED):
            assert api_as(outsider).post(url, json=body).status_code == 403
    assert state(session, proposal.id) == before
    # Confirmed, but not completable from budgeted: 409, nothing closed.
    waiting = build(session, cast, Status.budgeted)
    add_stone(session, waiting, day(30))
    before = state(session, waiting.id)
    refused = api_as(cast.doer).post(f"{API}/proposals/{waiting.id}/complete", json=CONFIRMED)
    assert refused.status_code == 409, refused.text
    assert state(session, waiting.id) == before
