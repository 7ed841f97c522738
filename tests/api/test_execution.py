"""Execution (issue 6) through the API: start, milestones, progress updates and the
completion report; who may write them (the implementing department and the secretariat,
nobody else); the derived progress and overdue on the proposal; the department's board —
and that a request that fails writes nothing.

The clock is fixed (TODAY) so "past due", "today" and "in the future" are exact.
"""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import Milestone, Notification, ProgressUpdate, Proposal, ProposalEvent
from app.models.enums import BudgetStatus, Role, Status
from app.services import execution
from tests.helpers import proposal_in

API = "/api/v1"
TODAY = date(2026, 6, 15)
REPORT = "予約システムを導入し、窓口の待ち時間が平均15分から5分になった。"
COMPLETION = {
    "report": REPORT,
    "actual_cost_yen": 300000,
    "actual_hours_saved_per_year_hours": 120,
    "actual_savings_yen_per_year": 50000,
}


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch) -> None:
    monkeypatch.setattr("app.wareki.today_jst", lambda: TODAY)


@pytest.fixture
def cast(make_user, make_department) -> SimpleNamespace:
    home = make_department("住民課")
    implementing = make_department("情報政策課")
    elsewhere = make_department("総務課")
    return SimpleNamespace(
        home=home,
        implementing=implementing,
        elsewhere=elsewhere,
        author=make_user(department=home, name="提案 太郎"),
        co_author=make_user(department=elsewhere, name="共同 花子"),
        doer=make_user(department=implementing, name="実施 一郎"),
        colleague=make_user(department=implementing, name="実施 二郎"),
        retired=make_user(department=implementing, is_active=False),
        secretariat=make_user(Role.secretariat, department=elsewhere),
        finance=make_user(Role.finance, department=elsewhere),
        reviewer=make_user(Role.reviewer, department=elsewhere),
        supervisor=make_user(Role.supervisor, department=home),  # of the author's department
        admin=make_user(Role.admin, department=elsewhere),
        other_staff=make_user(department=elsewhere),
    )


def build(
    session: Session,
    cast: SimpleNamespace,
    status: Status = Status.in_progress,
    *,
    department=None,
    already_implemented: bool = False,
    **attributes,
) -> Proposal:
    """A proposal in `status` for the implementing department, with the author's estimates
    and the targets set at the decision."""
    proposal = proposal_in(
        session,
        status,
        author=cast.author,
        co_authors=[cast.co_author],
        already_implemented=already_implemented,
        estimated_cost_yen=400000,
        estimated_hours_saved_per_year_hours=150,
        estimated_savings_yen_per_year=60000,
    )
    proposal.implementing_department_id = (department or cast.implementing).id
    proposal.target_hours_saved_per_year_hours = 100
    proposal.target_savings_yen_per_year = 40000
    if status == Status.budgeted:
        proposal.budget_status = BudgetStatus.approved.value
    for name, value in attributes.items():
        setattr(proposal, name, value)
    session.add(proposal)
    session.commit()
    session.refresh(proposal)
    return proposal


def add_stone(
    session: Session, proposal: Proposal, due: str, *, weight: int = 1, done_on: str | None = None
) -> Milestone:
    """A milestone written straight to the database, derived columns brought up to date."""
    stone = Milestone(
        proposal_id=proposal.id,
        title="業者選定",
        due_date=date.fromisoformat(due),
        weight=weight,
        done_on=date.fromisoformat(done_on) if done_on else None,
    )
    session.add(stone)
    execution.refresh_derived(session, proposal)
    session.commit()
    session.refresh(stone)
    return stone


def count(session: Session, model, proposal_id: int) -> int:
    return session.exec(
        select(func.count()).select_from(model).where(model.proposal_id == proposal_id)
    ).one()


def state(session: Session, proposal_id: int) -> tuple:
    """Everything an execution request could write."""
    session.expire_all()
    p = session.get(Proposal, proposal_id)
    stones = session.exec(
        select(Milestone).where(Milestone.proposal_id == proposal_id).order_by(col(Milestone.id))
    ).all()
    return (
        p.status,
        p.version,
        p.owner_id,
        p.planned_end_date,
        p.started_at,
        p.completed_at,
        p.completion_report,
        p.actual_cost_yen,
        p.effect_measured_on,
        p.progress_percent,
        p.open_due_date,
        [(m.id, m.title, m.due_date, m.weight, m.done_on) for m in stones],
        count(session, ProgressUpdate, proposal_id),
        count(session, ProposalEvent, proposal_id),
        count(session, Notification, proposal_id),
    )


def actions(session: Session, proposal_id: int) -> list[str]:
    return list(
        session.exec(
            select(ProposalEvent.action)
            .where(ProposalEvent.proposal_id == proposal_id)
            .order_by(col(ProposalEvent.id))
        ).all()
    )


def last_event(session: Session, proposal_id: int) -> ProposalEvent:
    return session.exec(
        select(ProposalEvent)
        .where(ProposalEvent.proposal_id == proposal_id)
        .order_by(col(ProposalEvent.id).desc())
    ).first()


def error_locs(response) -> list[list]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["loc"] for e in response.json().get("errors", [])]


def get(api: TestClient, proposal: Proposal) -> dict:
    response = api.get(f"{API}/proposals/{proposal.id}")
    assert response.status_code == 200, response.text
    return response.json()


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
        api.post(f"{base}/progress", json={"percent": offset * 10})
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
    percents = [u["percent"] for u in api.get(f"{base}/progress").json()["items"]]
    assert percents == [30, 10, 50]  # newest first


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


# -- complete -----------------------------------------------------------------------------------


def test_complete_keeps_estimated_target_and_actual_effects(session: Session, cast, api_as) -> None:
    proposal = build(session, cast, planned_end_date=date(2026, 6, 1))  # late, until now
    add_stone(session, proposal, day(-5))  # never ticked
    api = api_as(cast.doer)
    assert get(api, proposal)["overdue"] is True
    before = state(session, proposal.id)
    response = api.post(
        f"{API}/proposals/{proposal.id}/complete",
        json={
            "report": REPORT,
            "actual_cost_yen": "３０万円",
            "actual_hours_saved_per_year_hours": "１２０時間",
            "actual_savings_yen_per_year": "５０，０００円",
        },
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
    # The milestone never ticked is not "overdue" on a completed proposal either.
    listing = api.get(f"{API}/proposals/{proposal.id}/milestones").json()
    assert (listing["items"][0]["overdue"], listing["overdue"]) == (False, False)
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
    assert api.post(f"{url}/complete", json=COMPLETION).status_code == 200
    before = state(session, proposal.id)
    for response in (
        api.post(f"{url}/complete", json=COMPLETION),
        api.post(f"{url}/start", json={}),
        api.post(f"{url}/milestones", json={"title": "追加", "due_date": day(3)}),
        api.patch(f"{url}/milestones/{stone.id}", json={"done": True}),
        api.delete(f"{url}/milestones/{stone.id}"),
        api.post(f"{url}/progress", json={"percent": 100, "note": "完了"}),
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
    api.post(f"{url}/progress", json={"percent": 80, "note": "導入準備中"})
    assert get(api, proposal)["progress_percent"] == 67  # milestones decide
    assert api.post(f"{url}/complete", json=COMPLETION).status_code == 200

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


def writes(proposal_id: int, milestone_id: int) -> list[tuple[str, str, str, dict | None]]:
    """Every execution write: (name, method, path, body)."""
    base = f"{API}/proposals/{proposal_id}"
    return [
        ("milestone-add", "POST", f"{base}/milestones", {"title": "追加", "due_date": day(3)}),
        ("milestone-edit", "PATCH", f"{base}/milestones/{milestone_id}", {"done": True}),
        ("milestone-delete", "DELETE", f"{base}/milestones/{milestone_id}", None),
        ("progress", "POST", f"{base}/progress", {"percent": 50, "note": "半分"}),
        ("complete", "POST", f"{base}/complete", COMPLETION),
    ]


def send(api: TestClient, method: str, path: str, body, **kwargs):
    return api.request(method, path, json=body, **kwargs)


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


# -- who may write ---------------------------------------------------------------------------------


NOT_IMPLEMENTERS = [
    "author",
    "co_author",
    "other_staff",
    "finance",
    "reviewer",
    "supervisor",
    "admin",
]


@pytest.mark.parametrize("actor", NOT_IMPLEMENTERS)
@pytest.mark.parametrize("status", [Status.adopted, Status.budgeted, Status.in_progress])
def test_only_the_department_and_the_secretariat_may_write(
    status: Status, actor: str, session: Session, cast, api_as
) -> None:
    proposal = build(session, cast, status, budget_status="not_required")
    stone = add_stone(session, proposal, day(5))
    before = state(session, proposal.id)
    api = api_as(getattr(cast, actor))
    body = get(api, proposal)  # they can see it (adopted and later are public) ...
    assert not {"start", "complete"} & set(body["allowed_actions"])
    start = ("start", "POST", f"{API}/proposals/{proposal.id}/start", {})
    for name, method, path, payload in [start, *writes(proposal.id, stone.id)]:
        response = send(api, method, path, payload)
        assert response.status_code == 403, (actor, name, response.text)  # ... but not write
        assert response.headers["content-type"].startswith("application/problem+json")
    assert state(session, proposal.id) == before


@pytest.mark.parametrize("actor", NOT_IMPLEMENTERS)
def test_403_comes_before_422(actor: str, session: Session, cast, api_as) -> None:
    proposal = build(session, cast)
    stone = add_stone(session, proposal, day(5))
    before = state(session, proposal.id)
    api = api_as(getattr(cast, actor))
    base = f"{API}/proposals/{proposal.id}"
    for method, path, payload in [
        ("POST", f"{base}/milestones", {"weight": 0}),
        ("PATCH", f"{base}/milestones/{stone.id}", {"done_on": day(9)}),
        ("POST", f"{base}/progress", {"percent": 101}),
        ("POST", f"{base}/complete", {"actual_cost_yen": -1}),
        ("POST", f"{base}/start", {"owner_id": "x"}),
    ]:
        assert send(api, method, path, payload).status_code == 403, (actor, path)
    assert state(session, proposal.id) == before


@pytest.mark.parametrize("actor", ["doer", "colleague", "secretariat"])
def test_the_department_and_the_secretariat_may_do_everything(
    actor: str, session: Session, cast, api_as
) -> None:
    proposal = build(session, cast, Status.budgeted)
    api = api_as(getattr(cast, actor))
    base = f"{API}/proposals/{proposal.id}"
    assert {"start"} <= set(get(api, proposal)["allowed_actions"])
    assert api.post(f"{base}/start", json={}).status_code == 200
    stone = api.post(f"{base}/milestones", json={"title": "設計", "due_date": day(3)}).json()
    steps = [
        ("POST", f"{base}/milestones", {"title": "導入", "due_date": day(9)}, 201),
        ("PATCH", f"{base}/milestones/{stone['id']}", {"done": True}, 200),
        ("DELETE", f"{base}/milestones/{stone['id']}", None, 204),
        ("POST", f"{base}/progress", {"percent": 50, "note": "半分"}, 201),
        ("POST", f"{base}/complete", COMPLETION, 200),
    ]
    for method, path, payload, want in steps:
        response = send(api, method, path, payload)
        assert response.status_code == want, (actor, path, response.text)
    assert session.get(Proposal, proposal.id) is not None
    assert actions(session, proposal.id)[-7:] == [
        "start",
        "milestone-add",
        "milestone-add",
        "milestone-done",
        "milestone-delete",
        "progress",
        "complete",
    ]


@pytest.mark.parametrize("status", [Status.draft, Status.returned, Status.submitted])
@pytest.mark.parametrize("actor", ["doer", "other_staff", "finance", "reviewer", "admin"])
def test_those_who_cannot_see_the_proposal_get_404(
    actor: str, status: Status, session: Session, cast, api_as
) -> None:
    proposal = build(session, cast, status)
    stone = add_stone(session, proposal, day(5))
    before = state(session, proposal.id)
    api = api_as(getattr(cast, actor))
    start = ("start", "POST", f"{API}/proposals/{proposal.id}/start", {})
    for name, method, path, payload in [start, *writes(proposal.id, stone.id)]:
        assert send(api, method, path, payload).status_code == 404, (actor, name)
    for path in ("milestones", "progress"):
        assert api.get(f"{API}/proposals/{proposal.id}/{path}").status_code == 404
    assert state(session, proposal.id) == before


def test_a_missing_proposal_is_404(session: Session, cast, api_as) -> None:
    api = api_as(cast.secretariat)
    for method, path, payload in [
        ("POST", f"{API}/proposals/999999/milestones", {"title": "x", "due_date": day(1)}),
        ("GET", f"{API}/proposals/999999/milestones", None),
        ("POST", f"{API}/proposals/999999/progress", {"percent": 1}),
        ("POST", f"{API}/proposals/999999/start", {}),
    ]:
        assert send(api, method, path, payload).status_code == 404


def test_writes_need_a_login(session: Session, cast, client: TestClient) -> None:
    proposal = build(session, cast)
    before = state(session, proposal.id)
    response = client.post(
        f"{API}/proposals/{proposal.id}/milestones", json={"title": "x", "due_date": day(1)}
    )
    assert response.status_code == 401
    assert client.get(f"{API}/execution/board").status_code == 401
    assert state(session, proposal.id) == before


# -- the department's board ----------------------------------------------------------------------


def test_the_board_lists_the_department_overdue_first(session: Session, cast, api_as) -> None:
    later = build(session, cast, title="十日後")
    add_stone(session, later, day(10))
    late = build(session, cast, title="昨日期限")
    add_stone(session, late, day(-1))
    add_stone(session, late, day(-5), done_on=day(-6))
    ended = build(session, cast, title="完了予定日超過", planned_end_date=TODAY - timedelta(3))
    undated = build(session, cast, title="日付なし")
    soon = build(session, cast, title="二日後")
    add_stone(session, soon, day(2))
    waiting = build(session, cast, Status.budgeted, title="開始待ち")
    waiting_late = build(session, cast, Status.adopted, title="採用・遅れ")
    add_stone(session, waiting_late, day(-2))
    build(session, cast, department=cast.elsewhere, title="他の課")
    build(session, cast, Status.completed, title="完了済み")

    response = api_as(cast.doer).get(f"{API}/execution/board")
    assert response.status_code == 200, response.text
    board = response.json()
    assert (board["department_id"], board["department_name"]) == (
        cast.implementing.id,
        "情報政策課",
    )
    # Overdue first (the most overdue first), then by the nearest date, undated last.
    assert [p["title"] for p in board["in_progress"]] == [
        "完了予定日超過",
        "昨日期限",
        "二日後",
        "十日後",
        "日付なし",
    ]
    assert [p["overdue"] for p in board["in_progress"]] == [True, True, False, False, False]
    assert [p["title"] for p in board["waiting"]] == ["採用・遅れ", "開始待ち"]
    assert board["overdue"] == 3
    assert {p["id"] for p in board["in_progress"]} == {
        later.id,
        late.id,
        ended.id,
        undated.id,
        soon.id,
    }
    assert {p["id"] for p in board["waiting"]} == {waiting.id, waiting_late.id}
    # Naming one's own department is the same as naming none.
    mine = api_as(cast.doer).get(f"{API}/execution/board?department_id={cast.implementing.id}")
    assert mine.json() == board
    # The secretariat picks any department.
    secretariat = api_as(cast.secretariat)
    chosen = secretariat.get(f"{API}/execution/board?department_id={cast.implementing.id}")
    assert chosen.status_code == 200
    assert [p["id"] for p in chosen.json()["in_progress"]] == [
        p["id"] for p in board["in_progress"]
    ]
    own = secretariat.get(f"{API}/execution/board").json()
    assert own["department_id"] == cast.elsewhere.id
    assert [p["title"] for p in own["in_progress"]] == ["他の課"]
    assert secretariat.get(f"{API}/execution/board?department_id=999999").status_code == 404


@pytest.mark.parametrize("actor", ["other_staff", "author", "finance", "supervisor", "admin"])
def test_only_the_secretariat_sees_another_departments_board(
    actor: str, session: Session, cast, api_as
) -> None:
    build(session, cast)
    api = api_as(getattr(cast, actor))
    response = api.get(f"{API}/execution/board?department_id={cast.implementing.id}")
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    own = api.get(f"{API}/execution/board")
    assert own.status_code == 200
    assert own.json()["in_progress"] == [] and own.json()["overdue"] == 0
