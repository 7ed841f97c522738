"""Execution through the API — Milestones and progress updates: planning, ticking, editing, deleting, the limits."""

import pytest
from sqlmodel import Session

from app.models.enums import Status
from tests.api.execution.support import (
    API,
    actions,
    add_stone,
    build,
    day,
    error_locs,
    get,
    last_event,
    state,
)

# -- milestones ---------------------------------------------------------------------------------


def test_milestones_are_planned_with_past_due_dates_allowed(session: Session, cast, api_as) -> None:
    proposal = build(session, cast)
    version = proposal.version
    api = api_as(cast.doer)
    response = api.post(
        f"{API}/proposals/{proposal.id}/milestones",
        json={"title": "  業者選定  ", "due_date": day(-10), "weight": 3},
    )
    assert response.status_code == 201, response.text
    first = response.json()
    assert first["proposal_id"] == proposal.id
    assert (first["title"], first["due_date"], first["weight"]) == ("業者選定", day(-10), 3)
    assert (first["done"], first["done_on"], first["overdue"]) == (False, None, True)
    response = api.post(
        f"{API}/proposals/{proposal.id}/milestones", json={"title": "導入", "due_date": day(0)}
    )
    assert response.status_code == 201, response.text
    second = response.json()
    assert (second["weight"], second["overdue"]) == (1, False)  # due today is not late

    listing = api.get(f"{API}/proposals/{proposal.id}/milestones").json()
    assert [m["id"] for m in listing["items"]] == [first["id"], second["id"]]
    assert (listing["total"], listing["progress_percent"], listing["overdue"]) == (2, 0, True)
    body = get(api, proposal)
    assert (body["progress_percent"], body["overdue"], body["version"]) == (0, True, version + 2)
    assert actions(session, proposal.id)[-2:] == ["milestone-add", "milestone-add"]
    event = last_event(session, proposal.id)
    assert event.actor_id == cast.doer.id
    assert event.changes == {
        "milestone_id": second["id"],
        "title": "導入",
        "due_date": day(0),
        "weight": 1,
    }
    # Anyone who can see the proposal can read them.
    assert api_as(cast.other_staff).get(f"{API}/proposals/{proposal.id}/milestones").json() == (
        listing
    )


def test_milestones_and_updates_answer_the_envelope(session: Session, cast, api_as) -> None:
    proposal = build(session, cast)
    api = api_as(cast.doer)
    base = f"{API}/proposals/{proposal.id}"
    for offset in (5, 1, 3):
        add_stone(session, proposal, day(offset))
        api.post(f"{base}/progress", json={"note": f"{offset}"})
    for path in ("milestones", "progress"):
        whole = api.get(f"{base}/{path}").json()
        assert (whole["total"], whole["limit"], whole["offset"], len(whole["items"])) == (
            3,
            50,
            0,
            3,
        )
        page = api.get(f"{base}/{path}?limit=1&offset=1").json()
        assert (page["total"], page["limit"], page["offset"]) == (3, 1, 1)
        assert page["items"] == whole["items"][1:2]
        assert api.get(f"{base}/{path}?limit=201").status_code == 422
        assert api.get(f"{base}/{path}?offset=-1").status_code == 422
    dues = [m["due_date"] for m in api.get(f"{base}/milestones").json()["items"]]
    assert dues == [day(1), day(3), day(5)]
    updates = api.get(f"{base}/progress").json()["items"]
    assert [u["note"] for u in updates] == ["3", "1", "5"]  # newest first
    assert [u["percent"] for u in updates] == [0, 0, 0]  # the milestones' figure, none done


@pytest.mark.parametrize("status", [Status.adopted, Status.budgeted])
def test_milestones_may_be_planned_before_the_start(
    status: Status, session: Session, cast, api_as
) -> None:
    proposal = build(session, cast, status)
    response = api_as(cast.doer).post(
        f"{API}/proposals/{proposal.id}/milestones",
        json={"title": "仕様書作成", "due_date": day(-1)},
    )
    assert response.status_code == 201, response.text
    assert get(api_as(cast.doer), proposal)["overdue"] is True  # late before the start too


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"due_date": "2026-07-01"}, ["body", "title"]),
        ({"title": "   ", "due_date": "2026-07-01"}, ["body", "title"]),
        ({"title": "あ" * 201, "due_date": "2026-07-01"}, ["body", "title"]),
        ({"title": "一行目\n二行目", "due_date": "2026-07-01"}, ["body", "title"]),
        ({"title": "導入"}, ["body", "due_date"]),
        ({"title": "導入", "due_date": "2026-06-31"}, ["body", "due_date"]),
        ({"title": "導入", "due_date": None}, ["body", "due_date"]),
        ({"title": "導入", "due_date": "2026-07-01", "weight": 0}, ["body", "weight"]),
        ({"title": "導入", "due_date": "2026-07-01", "weight": 101}, ["body", "weight"]),
        ({"title": "導入", "due_date": "2026-07-01", "weight": -1}, ["body", "weight"]),
        ({"title": "導入", "due_date": "2026-07-01", "weight": "重い"}, ["body", "weight"]),
        ({"title": "導入", "due_date": "2026-07-01", "done_on": "2026-07-01"}, ["body", "done_on"]),
    ],
)
def test_milestone_fields_are_checked(body, loc, session: Session, cast, api_as) -> None:
    proposal = build(session, cast)
    before = state(session, proposal.id)
    response = api_as(cast.doer).post(f"{API}/proposals/{proposal.id}/milestones", json=body)
    assert response.status_code == 422, response.text
    assert loc in error_locs(response)
    assert state(session, proposal.id) == before


def test_weights_1_and_100_are_the_limits(session: Session, cast, api_as) -> None:
    proposal = build(session, cast)
    api = api_as(cast.doer)
    for weight in (1, 100):
        response = api.post(
            f"{API}/proposals/{proposal.id}/milestones",
            json={"title": "工程", "due_date": day(5), "weight": weight},
        )
        assert response.status_code == 201, response.text


def test_ticking_unticking_and_editing_a_milestone(session: Session, cast, api_as) -> None:
    proposal = build(session, cast)
    late = add_stone(session, proposal, day(-3), weight=3)
    add_stone(session, proposal, day(20))
    api = api_as(cast.doer)
    url = f"{API}/proposals/{proposal.id}/milestones/{late.id}"

    response = api.patch(url, json={"done": True})
    assert response.status_code == 200, response.text
    ticked = response.json()
    assert (ticked["done"], ticked["done_on"], ticked["overdue"]) == (True, day(0), False)
    assert get(api, proposal)["progress_percent"] == 75  # 3 of 4
    assert get(api, proposal)["overdue"] is False
    event = last_event(session, proposal.id)
    assert event.action == "milestone-done"
    assert event.changes == {
        "milestone_id": late.id,
        "title": "業者選定",
        "done_on": [None, day(0)],
    }

    response = api.patch(url, json={"done": False})
    assert response.status_code == 200, response.text
    assert (response.json()["done"], response.json()["done_on"]) == (False, None)
    assert response.json()["overdue"] is True
    assert (get(api, proposal)["progress_percent"], get(api, proposal)["overdue"]) == (0, True)
    assert last_event(session, proposal.id).action == "milestone-update"

    response = api.patch(url, json={"done": True, "done_on": day(-5)})  # done before, noted late
    assert response.status_code == 200, response.text
    assert response.json()["done_on"] == day(-5)

    response = api.patch(url, json={"title": "業者選定（入札）", "due_date": day(-4), "weight": 5})
    assert response.status_code == 200, response.text
    edited = response.json()
    assert (edited["title"], edited["due_date"], edited["weight"]) == (
        "業者選定（入札）",
        day(-4),
        5,
    )
    assert edited["done_on"] == day(-5)  # editing does not untick
    assert get(api, proposal)["progress_percent"] == 83  # 5 of 6 = 83.3
    event = last_event(session, proposal.id)
    assert event.action == "milestone-update"
    assert event.changes == {
        "milestone_id": late.id,
        "title": ["業者選定", "業者選定（入札）"],
        "due_date": [day(-3), day(-4)],
        "weight": [3, 5],
    }


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"done": True, "done_on": day(1)}, ["body", "done_on"]),
        ({"done_on": day(30)}, ["body", "done_on"]),
        ({"done": False, "done_on": day(-1)}, ["body", "done_on"]),  # contradictory
        ({"done": "たぶん"}, ["body", "done"]),
        ({"weight": 0}, ["body", "weight"]),
        ({"weight": 101}, ["body", "weight"]),
        ({"title": ""}, ["body", "title"]),
        ({"due_date": "明日"}, ["body", "due_date"]),
        ({"proposal_id": 1}, ["body", "proposal_id"]),
    ],
)
def test_milestone_changes_are_checked(body, loc, session: Session, cast, api_as) -> None:
    proposal = build(session, cast)
    stone = add_stone(session, proposal, day(2))
    before = state(session, proposal.id)
    response = api_as(cast.doer).patch(
        f"{API}/proposals/{proposal.id}/milestones/{stone.id}", json=body
    )
    assert response.status_code == 422, response.text
    assert loc in error_locs(response)
    assert state(session, proposal.id) == before


def test_deleting_a_milestone(session: Session, cast, api_as) -> None:
    proposal = build(session, cast)
    api = api_as(cast.doer)
    api.post(f"{API}/proposals/{proposal.id}/progress", json={"percent": 40, "note": "半分弱"})
    stone = add_stone(session, proposal, day(-1))
    assert get(api, proposal)["progress_percent"] == 0
    url = f"{API}/proposals/{proposal.id}/milestones/{stone.id}"
    response = api.delete(url)
    assert response.status_code == 204, response.text
    assert api.get(f"{API}/proposals/{proposal.id}/milestones").json()["items"] == []
    body = get(api, proposal)
    assert (body["progress_percent"], body["overdue"]) == (40, False)  # the update again
    event = last_event(session, proposal.id)
    assert (event.action, event.actor_id) == ("milestone-delete", cast.doer.id)
    assert event.changes == {"milestone_id": stone.id, "title": "業者選定", "due_date": day(-1)}
    before = state(session, proposal.id)
    assert api.delete(url).status_code == 404
    assert api.patch(url, json={"done": True}).status_code == 404
    assert state(session, proposal.id) == before


def test_a_milestone_of_another_proposal_is_not_found(session: Session, cast, api_as) -> None:
    mine, theirs = build(session, cast), build(session, cast)
    stone = add_stone(session, theirs, day(2))
    before = state(session, mine.id), state(session, theirs.id)
    api = api_as(cast.doer)
    url = f"{API}/proposals/{mine.id}/milestones/{stone.id}"
    assert api.patch(url, json={"done": True}).status_code == 404
    assert api.delete(url).status_code == 404
    assert api.patch(f"{API}/proposals/{mine.id}/milestones/999999", json={}).status_code == 404
    assert (state(session, mine.id), state(session, theirs.id)) == before


@pytest.mark.parametrize("status", [Status.completed, Status.in_review, Status.deferred])
def test_milestones_outside_execution_are_409(
    status: Status, session: Session, cast, api_as
) -> None:
    proposal = build(session, cast, status)
    stone = add_stone(session, proposal, day(2))
    before = state(session, proposal.id)
    api = api_as(cast.secretariat)  # sees every submitted proposal
    base = f"{API}/proposals/{proposal.id}/milestones"
    for response in (
        api.post(base, json={"title": "追加", "due_date": day(3)}),
        api.patch(f"{base}/{stone.id}", json={"done": True}),
        api.delete(f"{base}/{stone.id}"),
    ):
        assert response.status_code == 409, response.text
        assert status.value in response.json()["detail"]
    assert state(session, proposal.id) == before


# -- progress updates ---------------------------------------------------------------------------


def test_progress_updates(session: Session, cast, api_as) -> None:
    proposal = build(session, cast)
    api = api_as(cast.doer)
    url = f"{API}/proposals/{proposal.id}/progress"
    response = api.post(url, json={"percent": 40, "note": "業者と契約した\n来月から試行"})
    assert response.status_code == 201, response.text
    first = response.json()
    assert (first["percent"], first["note"], first["author_id"]) == (
        40,
        "業者と契約した\n来月から試行",
        cast.doer.id,
    )
    assert get(api, proposal)["progress_percent"] == 40
    second = api_as(cast.secretariat).post(url, json={"percent": 25}).json()  # note optional
    assert second["note"] == ""
    assert get(api, proposal)["progress_percent"] == 25  # the latest, not the largest
    listing = api.get(url).json()
    assert [u["id"] for u in listing["items"]] == [second["id"], first["id"]]
    assert listing["total"] == 2
    assert actions(session, proposal.id)[-2:] == ["progress", "progress"]
    assert last_event(session, proposal.id).changes == {"percent": 25, "note": ""}
    # Once there are milestones, they decide.
    add_stone(session, proposal, day(3))
    assert get(api, proposal)["progress_percent"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"percent": -1, "note": "x"},
        {"percent": 101, "note": "x"},
        {"percent": "半分", "note": "x"},
        {"percent": 50.5},
        {"note": "x"},
        {"percent": 50, "note": "x", "author_id": 1},
    ],
)
def test_progress_fields_are_checked(body, session: Session, cast, api_as) -> None:
    proposal = build(session, cast)
    before = state(session, proposal.id)
    response = api_as(cast.doer).post(f"{API}/proposals/{proposal.id}/progress", json=body)
    assert response.status_code == 422, response.text
    assert error_locs(response)
    assert state(session, proposal.id) == before


def test_percent_0_and_100_are_the_limits(session: Session, cast, api_as) -> None:
    proposal = build(session, cast)
    for percent in (0, 100):
        response = api_as(cast.doer).post(
            f"{API}/proposals/{proposal.id}/progress", json={"percent": percent}
        )
        assert response.status_code == 201, response.text


@pytest.mark.parametrize("status", [Status.adopted, Status.budgeted, Status.completed])
def test_progress_only_while_in_progress(status: Status, session: Session, cast, api_as) -> None:
    proposal = build(session, cast, status)
    before = state(session, proposal.id)
    response = api_as(cast.doer).post(
        f"{API}/proposals/{proposal.id}/progress", json={"percent": 10, "note": "準備中"}
    )
    assert response.status_code == 409, response.text
    assert status.value in response.json()["detail"]
    assert state(session, proposal.id) == before
