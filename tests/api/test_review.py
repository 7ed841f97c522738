"""Review API (issue 4): assigning reviewers and the conflict-of-interest rules, who sees an
in-review proposal, blind review, scoring input, recusal, bulk assignment to a round, the
rubric, awards and the ranking.

Everything is driven through the API (created, submitted and accepted by their real
actors); the shared builders below are also used by test_review_score.py and
test_review_decision.py.
"""

from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.main import create_app
from app.models import (
    Notification,
    Proposal,
    ProposalEvent,
    Review,
    ReviewAssignment,
    RubricVersion,
    User,
)
from app.models.enums import Role
from app.models.types import utcnow
from app.wareki import fiscal_year_of
from tests.conftest import bearer_token
from tests.helpers import COMPLETE

API = "/api/v1"
CODES = ("effectiveness", "feasibility", "economy", "originality", "applicability", "effort")
LEVEL_TEXTS = ["劣る", "やや劣る", "普通", "良い", "特に良い"]
# The default rubric of DESIGN.md, as migration 0005 seeds it.
DEFAULT_RUBRIC = [
    ("effectiveness", "効果性", 30),
    ("feasibility", "実現性", 20),
    ("economy", "経済性", 15),
    ("originality", "独創性", 15),
    ("applicability", "応用性（横展開）", 10),
    ("effort", "努力度", 10),
]
AUTHOR_NAME = "山田花子"
AUTHOR_DEPARTMENT = "住民課"


# -- shared builders ----------------------------------------------------------------------


@pytest.fixture
def world(api_as, make_user, make_department) -> SimpleNamespace:
    """An author (named, in a named department), the secretariat and three reviewers, each
    in a department of their own."""
    department = make_department(name=AUTHOR_DEPARTMENT)
    author = make_user(name=AUTHOR_NAME, department=department)
    secretariat = make_user(Role.secretariat, name="事務局員")
    reviewers = [make_user(Role.reviewer, name=f"審査委員{c}") for c in "ABCD"]
    clients: dict[int, TestClient] = {}

    def api(user: User) -> TestClient:
        if user.id not in clients:
            clients[user.id] = api_as(user)
        return clients[user.id]

    return SimpleNamespace(
        department=department,
        author=author,
        secretariat=secretariat,
        reviewers=reviewers,
        a=reviewers[0],
        b=reviewers[1],
        c=reviewers[2],
        d=reviewers[3],
        api=api,
        sec=api(secretariat),
    )


@pytest.fixture
def app_with(settings, db_engine) -> Iterator[Callable[..., Callable[[User], TestClient]]]:
    """An app on other settings (each app has its own review policy: app.state.policy)."""
    clients: list[TestClient] = []

    def make(**overrides) -> Callable[[User], TestClient]:
        app = create_app(settings.model_copy(update=overrides), engine=db_engine)

        def login(user: User) -> TestClient:
            client = TestClient(app)
            client.headers["Authorization"] = f"Bearer {bearer_token(db_engine, settings, user)}"
            clients.append(client)
            return client

        return login

    yield make
    for client in clients:
        client.close()


def scores(*levels) -> dict:
    return dict(zip(CODES, levels, strict=True))


def draft(author_api: TestClient, **fields) -> int:
    body = {"title": "窓口予約システムの導入", **COMPLETE, **fields}
    response = author_api.post(f"{API}/proposals", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def submitted(author_api: TestClient, **fields) -> int:
    pid = draft(author_api, **fields)
    response = author_api.post(f"{API}/proposals/{pid}/submit", json={})
    assert response.status_code == 200, response.text
    return pid


def in_review(author_api: TestClient, secretariat_api: TestClient, **fields) -> int:
    """A proposal written, submitted and accepted through the API."""
    pid = submitted(author_api, **fields)
    response = secretariat_api.post(f"{API}/proposals/{pid}/accept", json={})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "in_review"
    return pid


def assign(secretariat_api: TestClient, pid: int, *reviewers: User) -> dict:
    response = secretariat_api.put(
        f"{API}/proposals/{pid}/reviewers", json={"reviewer_ids": [r.id for r in reviewers]}
    )
    assert response.status_code == 200, response.text
    return response.json()


def score(api: TestClient, pid: int, *levels, comment: str = "妥当な提案です。") -> dict:
    response = api.put(
        f"{API}/proposals/{pid}/reviews/mine",
        json={"scores": scores(*levels), "comment": comment},
    )
    assert response.status_code == 200, response.text
    return response.json()


def decide(secretariat_api: TestClient, pid: int, **body):
    return secretariat_api.post(f"{API}/proposals/{pid}/decide", json=body)


def get(api: TestClient, pid: int) -> dict:
    response = api.get(f"{API}/proposals/{pid}")
    assert response.status_code == 200, response.text
    return response.json()


def written(session: Session, pid: int | None = None) -> tuple:
    """Everything a failed request must leave as it was."""
    session.expire_all()

    def count(model) -> int:
        return session.exec(select(func.count()).select_from(model)).one()

    state: tuple = (
        count(ProposalEvent),
        count(Review),
        count(Notification),
        tuple(
            (a.proposal_id, a.reviewer_id, a.active, a.recused_at is None)
            for a in session.exec(select(ReviewAssignment).order_by(col(ReviewAssignment.id)))
        ),
        tuple(
            (r.reviewer_id, tuple(sorted(r.scores.items())), r.total, r.rubric_version_id)
            for r in session.exec(select(Review).order_by(col(Review.id)))
        ),
        count(RubricVersion),
    )
    if pid is not None:
        p = session.get(Proposal, pid)
        state += (
            p.version,
            p.status,
            p.score,
            p.reviews_in,
            p.reviewers_assigned,
            p.needs_discussion,
            p.outcome,
            p.decision_reason,
            p.award,
            p.decided_at,
        )
    return state


def errors_of(response) -> list[dict]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()["errors"]


# -- assignment ---------------------------------------------------------------------------


def test_assign_reviewers_lists_them_and_records_one_event(world, session) -> None:
    pid = in_review(world.api(world.author), world.sec)
    body = assign(world.sec, pid, world.a, world.b)
    assert [i["reviewer_id"] for i in body["items"]] == [world.a.id, world.b.id]
    assert [i["name"] for i in body["items"]] == ["審査委員A", "審査委員B"]
    assert all(i["reviewed"] is False and i["recused_at"] is None for i in body["items"])
    assert body["total"] == 2
    proposal = get(world.sec, pid)
    assert (proposal["reviewers_assigned"], proposal["reviews_in"], proposal["score"]) == (
        2,
        0,
        None,
    )
    events = world.sec.get(f"{API}/proposals/{pid}/events").json()["items"]
    assert events[-1]["action"] == "assign-reviewers"
    assert events[-1]["changes"]["reviewer_ids"] == [[], sorted([world.a.id, world.b.id])]
    # The same set again changes nothing: no event, no new version.
    before = written(session, pid)
    assign(world.sec, pid, world.b, world.a)
    assert written(session, pid) == before
    read = world.sec.get(f"{API}/proposals/{pid}/reviewers").json()
    assert {i["reviewer_id"] for i in read["items"]} == {world.a.id, world.b.id}


@pytest.mark.parametrize("kind", ["author", "co_author", "inactive", "no_role", "same_department"])
def test_conflicting_reviewer_is_refused_naming_them(kind, world, make_user, session) -> None:
    co_author = make_user(Role.reviewer, name="佐藤次郎")
    author_api = world.api(world.author)
    pid = in_review(author_api, world.sec, co_author_ids=[co_author.id])
    if kind == "author":
        # Even with the reviewer role, the author may not review their own proposal.
        candidate = make_user(Role.reviewer, name="高橋一郎")
        pid = in_review(world.api(candidate), world.sec)
    elif kind == "co_author":
        candidate = co_author
    elif kind == "inactive":
        candidate = make_user(Role.reviewer, name="退職済太郎", is_active=False)
    elif kind == "no_role":
        candidate = make_user(name="一般職員")
    else:
        candidate = make_user(Role.reviewer, name="同課審査員", department=world.department)
    assign(world.sec, pid, world.a)
    before = written(session, pid)
    response = world.sec.put(
        f"{API}/proposals/{pid}/reviewers",
        json={"reviewer_ids": [world.b.id, candidate.id]},
    )
    errors = errors_of(response)
    assert len(errors) == 1, errors
    assert errors[0]["loc"] == ["body", "reviewer_ids", 1]
    assert candidate.name in errors[0]["msg"]
    # Nothing written: not even the acceptable reviewer B, no event, no notification.
    assert written(session, pid) == before
    listed = world.sec.get(f"{API}/proposals/{pid}/reviewers").json()["items"]
    assert [i["reviewer_id"] for i in listed] == [world.a.id]


def test_each_refusal_is_named(world, make_user) -> None:
    co_author = make_user(Role.reviewer, name="佐藤次郎")
    pid = in_review(world.api(world.author), world.sec, co_author_ids=[co_author.id])
    inactive = make_user(Role.reviewer, name="退職済太郎", is_active=False)
    plain = make_user(name="一般職員")
    colleague = make_user(Role.reviewer, name="同課審査員", department=world.department)
    ids = [world.author.id, co_author.id, world.a.id, inactive.id, plain.id, colleague.id, 987654]
    response = world.sec.put(f"{API}/proposals/{pid}/reviewers", json={"reviewer_ids": ids})
    errors = errors_of(response)
    by_index = {e["loc"][2]: e["msg"] for e in errors}
    assert set(by_index) == {0, 1, 3, 4, 5, 6}
    assert AUTHOR_NAME in by_index[0] and "提案者" in by_index[0]
    assert "佐藤次郎" in by_index[1] and "共同提案者" in by_index[1]
    assert "退職済太郎" in by_index[3] and "無効" in by_index[3]
    assert "一般職員" in by_index[4] and "審査委員" in by_index[4]
    assert "同課審査員" in by_index[5] and "同じ所属" in by_index[5]
    assert "987654" in by_index[6]


def test_refusal_names_the_position_in_the_request_despite_repeats(world, session) -> None:
    pid = in_review(world.api(world.author), world.sec)
    before = written(session, pid)
    ids = [world.a.id, world.a.id, world.author.id, world.b.id, world.b.id]
    errors = errors_of(
        world.sec.put(f"{API}/proposals/{pid}/reviewers", json={"reviewer_ids": ids})
    )
    assert [e["loc"] for e in errors] == [["body", "reviewer_ids", 2]]
    assert AUTHOR_NAME in errors[0]["msg"]
    assert written(session, pid) == before
    # Repeats of acceptable reviewers are one assignment each.
    body = assign(world.sec, pid, world.a, world.a, world.b)
    assert [i["reviewer_id"] for i in body["items"]] == [world.a.id, world.b.id]
    assert get(world.sec, pid)["reviewers_assigned"] == 2


def test_same_department_allowed_when_the_setting_is_off(world, make_user, app_with) -> None:
    colleague = make_user(Role.reviewer, name="同課審査員", department=world.department)
    login = app_with(review_exclude_same_department=False)
    author_api, sec = login(world.author), login(world.secretariat)
    pid = in_review(author_api, sec)
    body = assign(sec, pid, colleague)
    assert [i["reviewer_id"] for i in body["items"]] == [colleague.id]
    reviewed = score(login(colleague), pid, 3, 3, 3, 3, 3, 3)
    assert reviewed["total"] == 60.0
    # The other rules still hold.
    response = sec.put(f"{API}/proposals/{pid}/reviewers", json={"reviewer_ids": [world.author.id]})
    assert response.status_code == 422


def test_assigning_outside_in_review_is_409(world, session) -> None:
    author_api = world.api(world.author)
    pid = submitted(author_api)
    before = written(session, pid)
    response = world.sec.put(
        f"{API}/proposals/{pid}/reviewers", json={"reviewer_ids": [world.a.id]}
    )
    assert response.status_code == 409, response.text
    assert "submitted" in response.json()["detail"]
    assert written(session, pid) == before
    # A conflict is 422 before the status's 409.
    response = world.sec.put(
        f"{API}/proposals/{pid}/reviewers", json={"reviewer_ids": [world.author.id]}
    )
    assert response.status_code == 422
    # After the decision too.
    pid = in_review(author_api, world.sec)
    assign(world.sec, pid, world.a)
    score(world.api(world.a), pid, 3, 3, 3, 3, 3, 3)
    assert decide(world.sec, pid, outcome="rejected", reason="効果が小さい").status_code == 200
    before = written(session, pid)
    response = world.sec.put(
        f"{API}/proposals/{pid}/reviewers", json={"reviewer_ids": [world.b.id]}
    )
    assert response.status_code == 409
    assert written(session, pid) == before


def test_assigning_needs_the_secretariat_and_sight(world, make_user, session) -> None:
    author_api = world.api(world.author)
    pid = in_review(author_api, world.sec)
    body = {"reviewer_ids": [world.a.id]}
    supervisor = make_user(Role.supervisor, department=world.department)
    draft_id = draft(author_api)
    before = written(session, pid)
    # Those who see it but are not the secretariat: 403.
    assert author_api.put(f"{API}/proposals/{pid}/reviewers", json=body).status_code == 403
    sup_api = world.api(supervisor)
    assert sup_api.get(f"{API}/proposals/{pid}").status_code == 200
    assert sup_api.put(f"{API}/proposals/{pid}/reviewers", json=body).status_code == 403
    # Those who cannot see it: 404 (before 403).
    assert world.api(world.a).put(f"{API}/proposals/{pid}/reviewers", json=body).status_code == 404
    assert world.sec.put(f"{API}/proposals/987654/reviewers", json=body).status_code == 404
    assert world.sec.put(f"{API}/proposals/{draft_id}/reviewers", json=body).status_code == 404
    assert written(session, pid) == before
    # Reading the reviewers is the secretariat's too.
    assert author_api.get(f"{API}/proposals/{pid}/reviewers").status_code == 403
    assert world.api(world.a).get(f"{API}/proposals/{pid}/reviewers").status_code == 404


@pytest.mark.parametrize(
    "body",
    [{}, {"reviewer_ids": "1"}, {"reviewer_ids": [1], "note": "x"}, {"reviewer_ids": ["a"]}],
)
def test_malformed_assignment_body_is_422(world, session, body) -> None:
    pid = in_review(world.api(world.author), world.sec)
    before = written(session, pid)
    response = world.sec.put(f"{API}/proposals/{pid}/reviewers", json=body)
    assert response.status_code == 422, response.text
    assert written(session, pid) == before


def test_reviewer_is_notified_once_when_assigned(world) -> None:
    pid = in_review(world.api(world.author), world.sec, title="押印の見直し")
    a_api = world.api(world.a)
    assert a_api.get(f"{API}/notifications").json()["unread"] == 0
    assign(world.sec, pid, world.a)
    assign(world.sec, pid, world.a, world.b)  # A already assigned: not told again
    listed = a_api.get(f"{API}/notifications").json()
    assert listed["total"] == 1 and listed["unread"] == 1
    item = listed["items"][0]
    assert item["kind"] == "review-assigned" and item["proposal_id"] == pid
    assert "押印の見直し" in item["title"] and item["read_at"] is None
    assert world.api(world.b).get(f"{API}/notifications").json()["total"] == 1
    # Nobody else is told of the assignment (the author was told of the acceptance).
    kinds = [n["kind"] for n in world.api(world.author).get(f"{API}/notifications").json()["items"]]
    assert kinds == ["accepted"]
    assert world.api(world.c).get(f"{API}/notifications").json()["total"] == 0


# -- who sees an in-review proposal ---------------------------------------------------------


def test_only_assigned_reviewers_see_the_proposal(world) -> None:
    pid = in_review(world.api(world.author), world.sec)
    a_api, b_api = world.api(world.a), world.api(world.b)
    assert a_api.get(f"{API}/proposals/{pid}").status_code == 404
    assign(world.sec, pid, world.a)
    assert a_api.get(f"{API}/proposals/{pid}").status_code == 200
    assert [p["id"] for p in a_api.get(f"{API}/proposals").json()["items"]] == [pid]
    assert b_api.get(f"{API}/proposals/{pid}").status_code == 404
    assert b_api.get(f"{API}/proposals").json()["total"] == 0
    assert b_api.get(f"{API}/proposals/{pid}/events").status_code == 404
    # Taken off, A no longer sees it.
    assign(world.sec, pid, world.b)
    assert a_api.get(f"{API}/proposals/{pid}").status_code == 404
    assert b_api.get(f"{API}/proposals/{pid}").status_code == 200


def _assert_blind(text: str) -> None:
    assert AUTHOR_NAME not in text
    assert AUTHOR_DEPARTMENT not in text


def test_blind_review_hides_the_authors_everywhere(world, make_user) -> None:
    co_author = make_user(name="佐藤次郎")
    author_api = world.api(world.author)
    pid = in_review(author_api, world.sec, co_author_ids=[co_author.id])
    assign(world.sec, pid, world.a)
    a_api = world.api(world.a)

    one = a_api.get(f"{API}/proposals/{pid}")
    body = one.json()
    assert (body["author_id"], body["co_author_ids"], body["department_id"]) == (None, None, None)
    _assert_blind(one.text)
    assert "佐藤次郎" not in one.text

    listed = a_api.get(f"{API}/proposals")
    (item,) = listed.json()["items"]
    assert (item["author_id"], item["co_author_ids"], item["department_id"]) == (None, None, None)
    _assert_blind(listed.text)

    queue = a_api.get(f"{API}/reviews/assigned")
    (item,) = queue.json()["items"]
    assert item["id"] == pid and item["my_total"] is None
    assert (item["author_id"], item["co_author_ids"], item["department_id"]) == (None, None, None)
    _assert_blind(queue.text)

    # Nor can the department be learned by filtering on it.
    for department_id in (world.department.id, world.a.department_id):
        filtered = a_api.get(f"{API}/proposals", params={"department_id": department_id})
        assert filtered.json()["total"] == 0

    events = a_api.get(f"{API}/proposals/{pid}/events")
    by_action = {e["action"]: e for e in events.json()["items"]}
    assert by_action["create"]["actor_id"] is None
    assert by_action["submit"]["actor_id"] is None
    assert by_action["accept"]["actor_id"] == world.secretariat.id
    for event in events.json()["items"]:
        assert world.author.id not in (event["actor_id"],)
        assert "co_author_ids" not in event["changes"]
        assert "department_id" not in event["changes"], event
    _assert_blind(events.text)

    # After scoring, the review and queue still name nobody.
    score(a_api, pid, 3, 3, 3, 3, 3, 3)
    _assert_blind(a_api.get(f"{API}/proposals/{pid}/reviews").text)
    _assert_blind(a_api.get(f"{API}/proposals/{pid}/reviews/mine").text)
    # The secretariat sees everything.
    full = get(world.sec, pid)
    assert full["author_id"] == world.author.id and full["co_author_ids"] == [co_author.id]
    assert full["department_id"] == world.department.id


def test_without_blind_review_the_reviewer_sees_the_authors(world, make_user, app_with) -> None:
    co_author = make_user(name="佐藤次郎")
    login = app_with(blind_review=False)
    author_api, sec, a_api = login(world.author), login(world.secretariat), login(world.a)
    pid = in_review(author_api, sec, co_author_ids=[co_author.id])
    assign(sec, pid, world.a)
    body = a_api.get(f"{API}/proposals/{pid}").json()
    assert body["author_id"] == world.author.id
    assert body["co_author_ids"] == [co_author.id]
    assert body["department_id"] == world.department.id
    (item,) = a_api.get(f"{API}/reviews/assigned").json()["items"]
    assert item["author_id"] == world.author.id
    events = a_api.get(f"{API}/proposals/{pid}/events").json()["items"]
    assert {e["action"]: e["actor_id"] for e in events}["submit"] == world.author.id


def test_reviewers_do_not_see_each_other_in_the_timeline(world) -> None:
    pid = in_review(world.api(world.author), world.sec)
    assign(world.sec, pid, world.a, world.b)
    score(world.api(world.b), pid, 3, 3, 3, 3, 3, 3)
    events = world.api(world.a).get(f"{API}/proposals/{pid}/events").json()["items"]
    review_events = [e for e in events if e["action"] in ("review", "assign-reviewers")]
    assert review_events and all(e["actor_id"] != world.b.id for e in review_events)
    assert all("reviewer_ids" not in e["changes"] for e in review_events)
    sec_events = world.sec.get(f"{API}/proposals/{pid}/events").json()["items"]
    assert [e["actor_id"] for e in sec_events if e["action"] == "review"] == [world.b.id]


# -- scoring input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "bad_code"),
    [
        ({c: 3 for c in CODES if c != "effort"}, "effort"),
        ({**{c: 3 for c in CODES}, "beauty": 3}, "beauty"),
        ({**{c: 3 for c in CODES}, "economy": 0}, "economy"),
        ({**{c: 3 for c in CODES}, "economy": 6}, "economy"),
        ({**{c: 3 for c in CODES}, "economy": -1}, "economy"),
        ({**{c: 3 for c in CODES}, "economy": 2.5}, "economy"),
        ({**{c: 3 for c in CODES}, "economy": 3.0}, "economy"),
        ({**{c: 3 for c in CODES}, "economy": "3"}, "economy"),
        ({**{c: 3 for c in CODES}, "economy": True}, "economy"),
        ({**{c: 3 for c in CODES}, "economy": None}, "economy"),
        ({**{c: 3 for c in CODES}, "economy": [3]}, "economy"),
    ],
)
def test_bad_scores_are_422_naming_the_criterion(world, session, given, bad_code) -> None:
    pid = in_review(world.api(world.author), world.sec)
    assign(world.sec, pid, world.a)
    before = written(session, pid)
    response = world.api(world.a).put(
        f"{API}/proposals/{pid}/reviews/mine", json={"scores": given, "comment": "x"}
    )
    errors = errors_of(response)
    assert [e["loc"] for e in errors] == [["body", "scores", bad_code]]
    assert written(session, pid) == before


def test_every_missing_criterion_is_listed(world, session) -> None:
    pid = in_review(world.api(world.author), world.sec)
    assign(world.sec, pid, world.a)
    before = written(session, pid)
    response = world.api(world.a).put(
        f"{API}/proposals/{pid}/reviews/mine",
        json={"scores": {"effectiveness": 5, "feasibility": 4}},
    )
    errors = errors_of(response)
    assert sorted(e["loc"][2] for e in errors) == sorted(
        ["economy", "originality", "applicability", "effort"]
    )
    assert written(session, pid) == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"comment": "採点なし"},
        {"scores": [3, 3, 3, 3, 3, 3]},
        {"scores": {c: 3 for c in CODES}, "total": 100},
        {"scores": {c: 3 for c in CODES}, "comment": 5},
    ],
)
def test_malformed_review_body_is_422(world, session, body) -> None:
    pid = in_review(world.api(world.author), world.sec)
    assign(world.sec, pid, world.a)
    before = written(session, pid)
    response = world.api(world.a).put(f"{API}/proposals/{pid}/reviews/mine", json=body)
    assert response.status_code == 422, response.text
    assert written(session, pid) == before


def test_a_failed_change_keeps_the_earlier_review(world, session) -> None:
    pid = in_review(world.api(world.author), world.sec)
    assign(world.sec, pid, world.a)
    a_api = world.api(world.a)
    score(a_api, pid, 5, 4, 3, 3, 2, 1, comment="最初の採点")
    before = written(session, pid)
    bad = {"scores": {**scores(5, 5, 5, 5, 5, 5), "effort": 9}, "comment": "書き換え"}
    assert a_api.put(f"{API}/proposals/{pid}/reviews/mine", json=bad).status_code == 422
    assert written(session, pid) == before
    mine = a_api.get(f"{API}/proposals/{pid}/reviews/mine").json()
    assert mine["comment"] == "最初の採点" and mine["total"] == 70.0
    assert mine["scores"] == scores(5, 4, 3, 3, 2, 1)


def test_scoring_by_someone_not_assigned(world, make_user, session) -> None:
    author_api = world.api(world.author)
    pid = in_review(author_api, world.sec)
    assign(world.sec, pid, world.a)
    body = {"scores": scores(3, 3, 3, 3, 3, 3), "comment": "x"}
    before = written(session, pid)
    # Cannot see it: 404.
    assert (
        world.api(world.b).put(f"{API}/proposals/{pid}/reviews/mine", json=body).status_code == 404
    )
    assert world.sec.put(f"{API}/proposals/987654/reviews/mine", json=body).status_code == 404
    # Sees it but is not assigned: 403 (the author, the secretariat, a supervisor).
    assert author_api.put(f"{API}/proposals/{pid}/reviews/mine", json=body).status_code == 403
    assert world.sec.put(f"{API}/proposals/{pid}/reviews/mine", json=body).status_code == 403
    supervisor = make_user(Role.supervisor, department=world.department)
    sup_api = world.api(supervisor)
    assert sup_api.put(f"{API}/proposals/{pid}/reviews/mine", json=body).status_code == 403
    # 403 comes before 422.
    bad = {"scores": {"effort": 9}}
    assert author_api.put(f"{API}/proposals/{pid}/reviews/mine", json=bad).status_code == 403
    assert written(session, pid) == before


def test_unassigned_reviewer_who_sees_an_adopted_proposal_gets_403(
    world, make_department, session
) -> None:
    pid = in_review(world.api(world.author), world.sec)
    assign(world.sec, pid, world.a)
    score(world.api(world.a), pid, 4, 4, 4, 4, 4, 4)
    implementing = make_department(name="情報政策課")
    response = decide(
        world.sec,
        pid,
        outcome="adopted",
        reason="効果が大きい",
        implementing_department_id=implementing.id,
    )
    assert response.status_code == 200, response.text
    b_api = world.api(world.b)
    assert b_api.get(f"{API}/proposals/{pid}").status_code == 200  # adopted: everyone sees it
    before = written(session, pid)
    body = {"scores": scores(3, 3, 3, 3, 3, 3), "comment": "x"}
    assert b_api.put(f"{API}/proposals/{pid}/reviews/mine", json=body).status_code == 403
    assert b_api.get(f"{API}/proposals/{pid}/reviews").status_code == 403
    # The assigned reviewer, after the decision: 409 (and no change).
    response = world.api(world.a).put(f"{API}/proposals/{pid}/reviews/mine", json=body)
    assert response.status_code == 409, response.text
    assert "adopted" in response.json()["detail"]
    # Bad scores are still 422 before the status's 409.
    bad = {"scores": {"effort": 9}}
    assert (
        world.api(world.a).put(f"{API}/proposals/{pid}/reviews/mine", json=bad).status_code == 422
    )
    assert written(session, pid) == before


@pytest.mark.parametrize("outcome", ["deferred", "rejected"])
def test_scoring_after_other_decisions_is_409(world, session, outcome) -> None:
    pid = in_review(world.api(world.author), world.sec)
    assign(world.sec, pid, world.a)
    a_api = world.api(world.a)
    score(a_api, pid, 2, 2, 2, 2, 2, 2)
    assert decide(world.sec, pid, outcome=outcome, reason="時期尚早").status_code == 200
    before = written(session, pid)
    body = {"scores": scores(5, 5, 5, 5, 5, 5), "comment": "やり直し"}
    assert a_api.put(f"{API}/proposals/{pid}/reviews/mine", json=body).status_code == 409
    assert written(session, pid) == before
    assert a_api.get(f"{API}/proposals/{pid}/reviews/mine").json()["total"] == 40.0


def test_stale_if_match_on_a_review_is_412(world, session) -> None:
    pid = in_review(world.api(world.author), world.sec)
    assign(world.sec, pid, world.a)
    a_api = world.api(world.a)
    etag = a_api.get(f"{API}/proposals/{pid}").headers["etag"]
    body = {"scores": scores(3, 3, 3, 3, 3, 3), "comment": "x"}
    first = a_api.put(f"{API}/proposals/{pid}/reviews/mine", json=body, headers={"If-Match": etag})
    assert first.status_code == 200
    before = written(session, pid)
    stale = a_api.put(f"{API}/proposals/{pid}/reviews/mine", json=body, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert written(session, pid) == before


def test_reading_reviews(world, make_user) -> None:
    author_api = world.api(world.author)
    pid = in_review(author_api, world.sec)
    assign(world.sec, pid, world.a, world.b)
    score(world.api(world.a), pid, 5, 4, 3, 3, 2, 1, comment="Aの講評")
    score(world.api(world.b), pid, 3, 3, 3, 3, 3, 3, comment="Bの講評")
    everything = world.sec.get(f"{API}/proposals/{pid}/reviews").json()
    assert [(i["reviewer_id"], i["total"], i["comment"]) for i in everything["items"]] == [
        (world.a.id, 70.0, "Aの講評"),
        (world.b.id, 60.0, "Bの講評"),
    ]
    assert everything["total"] == 2 and everything["score"] == 65.0
    own = world.api(world.a).get(f"{API}/proposals/{pid}/reviews").json()
    assert [(i["reviewer_id"], i["total"]) for i in own["items"]] == [(world.a.id, 70.0)]
    assert "Bの講評" not in world.api(world.a).get(f"{API}/proposals/{pid}/reviews").text
    assert own["breakdown"] == []
    # Others: 403 when they see the proposal, 404 when they do not.
    assert author_api.get(f"{API}/proposals/{pid}/reviews").status_code == 403
    supervisor = make_user(Role.supervisor, department=world.department)
    assert world.api(supervisor).get(f"{API}/proposals/{pid}/reviews").status_code == 403
    assert world.api(world.c).get(f"{API}/proposals/{pid}/reviews").status_code == 404
    # An assigned reviewer who has not scored sees an empty list, and no review of theirs.
    assign(world.sec, pid, world.a, world.b, world.c)
    c_api = world.api(world.c)
    assert c_api.get(f"{API}/proposals/{pid}/reviews").json()["items"] == []
    assert c_api.get(f"{API}/proposals/{pid}/reviews/mine").status_code == 404


def test_review_queue_puts_unscored_first_and_drops_decided(world) -> None:
    author_api = world.api(world.author)
    first = in_review(author_api, world.sec, title="一件目")
    second = in_review(author_api, world.sec, title="二件目")
    other = in_review(author_api, world.sec, title="担当外")
    assign(world.sec, first, world.a)
    assign(world.sec, second, world.a)
    assign(world.sec, other, world.b)
    a_api = world.api(world.a)
    queue = a_api.get(f"{API}/reviews/assigned").json()
    assert [i["id"] for i in queue["items"]] == [first, second]
    score(a_api, first, 4, 4, 4, 4, 4, 4)
    queue = a_api.get(f"{API}/reviews/assigned").json()
    assert [(i["id"], i["my_total"]) for i in queue["items"]] == [(second, None), (first, 80.0)]
    assert decide(world.sec, first, outcome="rejected", reason="見送り").status_code == 200
    queue = a_api.get(f"{API}/reviews/assigned").json()
    assert [i["id"] for i in queue["items"]] == [second]
    assert world.api(world.c).get(f"{API}/reviews/assigned").json()["items"] == []


# -- recusal --------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   \n"}, {"reason": None}])
def test_recusal_needs_a_reason(world, session, body) -> None:
    pid = in_review(world.api(world.author), world.sec)
    assign(world.sec, pid, world.a)
    before = written(session, pid)
    response = world.api(world.a).post(f"{API}/proposals/{pid}/recuse", json=body)
    assert response.status_code == 422, response.text
    assert written(session, pid) == before


def test_recused_reviewer_can_no_longer_score(world, session) -> None:
    pid = in_review(world.api(world.author), world.sec)
    assign(world.sec, pid, world.a, world.b)
    a_api = world.api(world.a)
    response = a_api.post(f"{API}/proposals/{pid}/recuse", json={"reason": "提案者と同じ係の出身"})
    assert response.status_code == 200, response.text
    # The count is the secretariat's until the decision (issue 11, item 10).
    assert response.json()["reviewers_assigned"] is None
    assert get(world.sec, pid)["reviewers_assigned"] == 1
    listed = world.sec.get(f"{API}/proposals/{pid}/reviewers").json()["items"]
    recused = {i["reviewer_id"]: i for i in listed}[world.a.id]
    assert recused["recused_at"] is not None
    assert recused["recusal_reason"] == "提案者と同じ係の出身"
    events = world.sec.get(f"{API}/proposals/{pid}/events").json()["items"]
    assert (events[-1]["action"], events[-1]["reason"]) == ("recuse", "提案者と同じ係の出身")
    before = written(session, pid)
    body = {"scores": scores(3, 3, 3, 3, 3, 3), "comment": "x"}
    # Recused, A no longer reviews it and (in review) no longer sees it: 404, not a score.
    assert a_api.put(f"{API}/proposals/{pid}/reviews/mine", json=body).status_code == 404
    assert a_api.post(f"{API}/proposals/{pid}/recuse", json={"reason": "再度"}).status_code == 404
    assert written(session, pid) == before


def test_recused_reviewer_who_still_sees_the_proposal_gets_403(world, make_user, session) -> None:
    # A secretariat member who also sits on the committee keeps sight of the proposal.
    member = make_user(Role.secretariat, Role.reviewer, name="委員兼事務局")
    pid = in_review(world.api(world.author), world.sec)
    assign(world.sec, pid, member)
    m_api = world.api(member)
    assert (
        m_api.post(f"{API}/proposals/{pid}/recuse", json={"reason": "利害関係"}).status_code == 200
    )
    before = written(session, pid)
    body = {"scores": scores(3, 3, 3, 3, 3, 3), "comment": "x"}
    assert m_api.put(f"{API}/proposals/{pid}/reviews/mine", json=body).status_code == 403
    assert written(session, pid) == before


def test_recusal_only_by_an_assigned_reviewer_in_review(world, session) -> None:
    author_api = world.api(world.author)
    pid = in_review(author_api, world.sec)
    assign(world.sec, pid, world.a)
    body = {"reason": "理由"}
    assert author_api.post(f"{API}/proposals/{pid}/recuse", json=body).status_code == 403
    assert world.api(world.b).post(f"{API}/proposals/{pid}/recuse", json=body).status_code == 404
    score(world.api(world.a), pid, 3, 3, 3, 3, 3, 3)
    assert decide(world.sec, pid, outcome="deferred", reason="継続審議").status_code == 200
    before = written(session, pid)
    response = world.api(world.a).post(f"{API}/proposals/{pid}/recuse", json=body)
    assert response.status_code == 409
    assert written(session, pid) == before


# -- bulk assignment to a round ---------------------------------------------------------------


def test_bulk_assignment_to_a_round_skips_conflicts(world, make_user, make_department) -> None:
    other_department = make_department(name="税務課")
    other_author = make_user(Role.reviewer, name="田中三郎", department=other_department)
    first = in_review(world.api(world.author), world.sec, title="一件目")
    second = in_review(world.api(other_author), world.sec, title="二件目")
    waiting = submitted(world.api(world.author), title="未受理")
    round_id = get(world.sec, first)["round_id"]
    assert get(world.sec, second)["round_id"] == round_id
    assign(world.sec, second, world.c)
    colleague = make_user(Role.reviewer, name="同課審査員", department=world.department)

    response = world.sec.post(
        f"{API}/rounds/{round_id}/reviewers",
        json={"reviewer_ids": [world.a.id, colleague.id, other_author.id, world.c.id]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["proposals"] == 2
    # first: A, C and other_author added; colleague skipped (same department)
    # second: A and colleague added; C already there; other_author skipped (the author)
    assert body["assigned"] == 5
    skipped = {(s["proposal_id"], s["reviewer_id"]) for s in body["skipped"]}
    assert skipped == {(first, colleague.id), (second, other_author.id)}
    names = {s["reviewer_id"]: s["name"] for s in body["skipped"]}
    assert names == {colleague.id: "同課審査員", other_author.id: "田中三郎"}

    def reviewers_of(pid: int) -> set[int]:
        items = world.sec.get(f"{API}/proposals/{pid}/reviewers").json()["items"]
        return {i["reviewer_id"] for i in items}

    assert reviewers_of(first) == {world.a.id, world.c.id, other_author.id}
    assert reviewers_of(second) == {world.a.id, world.c.id, colleague.id}
    assert get(world.sec, first)["reviewers_assigned"] == 3
    assert get(world.sec, waiting)["reviewers_assigned"] == 0
    # Again: nothing more to add.
    again = world.sec.post(
        f"{API}/rounds/{round_id}/reviewers", json={"reviewer_ids": [world.a.id]}
    ).json()
    assert (again["proposals"], again["assigned"], again["skipped"]) == (2, 0, [])


def test_bulk_assignment_refusals(world, session) -> None:
    pid = in_review(world.api(world.author), world.sec)
    round_id = get(world.sec, pid)["round_id"]
    before = written(session, pid)
    body = {"reviewer_ids": [world.a.id]}
    assert (
        world.api(world.a).post(f"{API}/rounds/{round_id}/reviewers", json=body).status_code == 403
    )
    response = world.sec.post(f"{API}/rounds/{round_id}/reviewers", json={"reviewer_ids": [987654]})
    assert response.status_code == 422
    assert world.sec.post(f"{API}/rounds/{round_id}/reviewers", json={}).status_code == 422
    assert world.sec.post(f"{API}/rounds/987654/reviewers", json=body).status_code == 404
    # Rounds are public: an unknown one is 404 before the 403.
    assert world.api(world.a).post(f"{API}/rounds/987654/reviewers", json=body).status_code == 404
    assert written(session, pid) == before


# -- rubric, awards ---------------------------------------------------------------------------


def test_rubric_is_the_default(world) -> None:
    response = world.api(world.author).get(f"{API}/rubric")
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["offset"], body["version"]) == (6, 0, 1)
    assert [(c["code"], c["label"], c["weight"]) for c in body["items"]] == DEFAULT_RUBRIC
    assert sum(c["weight"] for c in body["items"]) == 100
    assert all(len(c["levels"]) == 5 for c in body["items"])
    assert body["items"][0]["levels"][4] == "特に良い"


def _criterion(code: str, weight: int, levels: int = 5, **extra) -> dict:
    return {
        "code": code,
        "label": f"{code}の項目",
        "weight": weight,
        "description": "説明",
        "levels": [f"水準{n}" for n in range(1, levels + 1)],
        **extra,
    }


@pytest.mark.parametrize(
    "criteria",
    [
        [_criterion("a", 50), _criterion("b", 49)],
        [_criterion("a", 50), _criterion("b", 51)],
        [_criterion("a", 50), _criterion("a", 50)],
        [_criterion("a", 50), _criterion("b", 50, levels=4)],
        [_criterion("a", 50), _criterion("b", 50, levels=6)],
        [_criterion("a", 100, extra="x")],
        [_criterion("A", 100)],
        [_criterion("効果", 100)],
        [_criterion("a b", 100)],
        [_criterion("a", 0), _criterion("b", 100)],
        [],
    ],
)
def test_bad_rubric_is_422_and_keeps_the_current(world, session, criteria) -> None:
    before = written(session)
    response = world.sec.put(f"{API}/rubric", json={"criteria": criteria})
    assert response.status_code == 422, response.text
    assert written(session) == before
    assert world.sec.get(f"{API}/rubric").json()["version"] == 1


def test_only_the_secretariat_changes_the_rubric(world, session) -> None:
    criteria = [_criterion("a", 60), _criterion("b", 40)]
    before = written(session)
    for user in (world.author, world.a):
        response = world.api(user).put(f"{API}/rubric", json={"criteria": criteria})
        assert response.status_code == 403
    assert written(session) == before
    response = world.sec.put(f"{API}/rubric", json={"criteria": criteria})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["version"] == 2
    assert [(c["code"], c["weight"]) for c in body["items"]] == [("a", 60), ("b", 40)]
    assert world.api(world.a).get(f"{API}/rubric").json()["version"] == 2


def test_awards_are_listed_best_first(world) -> None:
    body = world.api(world.author).get(f"{API}/awards").json()
    assert body["items"] == [
        {"code": "grand", "label": "最優秀賞"},
        {"code": "excellent", "label": "優秀賞"},
        {"code": "merit", "label": "佳作"},
        {"code": "encouragement", "label": "奨励賞"},
    ]
    assert body["total"] == 4


# -- ranking ------------------------------------------------------------------------------------


def test_ranking_by_score_with_unscored_last_and_filters(world, make_user) -> None:
    author_api = world.api(world.author)
    theme = world.sec.post(
        f"{API}/rounds",
        json={
            "title": "ペーパーレス化",
            "starts_on": "2000-04-01",
            "ends_on": "2099-03-31",
        },
    )
    assert theme.status_code == 201, theme.text
    theme_id = theme.json()["id"]
    low = in_review(author_api, world.sec, title="低い")
    high = in_review(author_api, world.sec, title="高い")
    unscored = in_review(author_api, world.sec, title="未採点")
    flagged = in_review(author_api, world.sec, title="要協議", round_id=theme_id)
    decided = in_review(author_api, world.sec, title="決定済み")
    submitted(author_api, title="受理前")
    for pid in (low, high, unscored, flagged, decided):
        assign(world.sec, pid, world.a, world.b)
    a_api, b_api = world.api(world.a), world.api(world.b)
    score(a_api, low, 2, 2, 2, 2, 2, 2)  # 40
    score(a_api, high, 4, 4, 4, 4, 4, 4)  # 80
    score(b_api, high, 5, 5, 5, 5, 5, 5)  # 100 -> 90.0
    score(a_api, flagged, 5, 5, 5, 5, 3, 2)  # 90
    score(b_api, flagged, 3, 3, 3, 3, 3, 3)  # 60 -> 75.0, spread 30
    score(a_api, decided, 5, 5, 5, 5, 5, 5)
    assert decide(world.sec, decided, outcome="rejected", reason="重複").status_code == 200

    body = world.sec.get(f"{API}/ranking").json()
    rows = [
        (i["rank"], i["id"], i["score"], i["reviews_in"], i["needs_discussion"])
        for i in body["items"]
    ]
    assert rows == [
        (1, high, 90.0, 2, False),
        (2, flagged, 75.0, 2, True),
        (3, low, 40.0, 1, False),
        (4, unscored, None, 0, False),
    ]
    assert body["total"] == 4
    assert all(i["reviewers_assigned"] == 2 for i in body["items"])

    flagged_only = world.sec.get(f"{API}/ranking", params={"flagged": "true"}).json()
    assert [i["id"] for i in flagged_only["items"]] == [flagged]
    by_round = world.sec.get(f"{API}/ranking", params={"round_id": theme_id}).json()
    assert [i["id"] for i in by_round["items"]] == [flagged]
    this_year = fiscal_year_of(utcnow())
    same_year = world.sec.get(f"{API}/ranking", params={"fiscal_year": this_year}).json()
    assert [i["id"] for i in same_year["items"]] == [high, flagged, low, unscored]
    other_year = world.sec.get(f"{API}/ranking", params={"fiscal_year": this_year - 1}).json()
    assert other_year["items"] == []
    assert world.sec.get(f"{API}/ranking", params={"fiscal_year": 1900}).status_code == 422

    for user in (world.author, world.a, make_user(Role.supervisor, department=world.department)):
        assert world.api(user).get(f"{API}/ranking").status_code == 403
