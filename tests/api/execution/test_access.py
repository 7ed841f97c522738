"""Execution through the API — who may write (the implementing department and the
secretariat), who sees nothing, and the department's board."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Proposal
from app.models.enums import Status
from tests.api.execution.support import (
    API,
    COMPLETION,
    TODAY,
    actions,
    add_stone,
    build,
    day,
    get,
    send,
    state,
    writes,
)

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
        ("POST", f"{base}/progress", {"note": "半分"}, 201),  # 導入 is planned: 0 %
        ("POST", f"{base}/complete", {**COMPLETION, "close_open_milestones": True}, 200),
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
