"""The committee's decision (issue 4): decide and reopen-review through the API, bad input
that writes nothing, the review the decision needs, and the authors' notifications."""

import pytest
from sqlalchemy import delete
from sqlmodel import col

from app.models import Notification
from app.models.enums import Role
from tests.api import review_support as shared
from tests.api.review_support import API, assign, decide, get, in_review, score, written

# The shared fixtures (pytest finds fixtures by module attribute).
world = shared.world
app_with = shared.app_with


@pytest.fixture
def implementing(make_department):
    return make_department(name="情報政策課")


def reviewed(world, **fields) -> int:
    """In review with reviewer A's 70 in (and reviewer B assigned, not scored)."""
    pid = in_review(world.api(world.author), world.sec, **fields)
    assign(world.sec, pid, world.a, world.b)
    score(world.api(world.a), pid, 5, 4, 3, 3, 2, 1)
    return pid


def notifications(api, **params) -> dict:
    response = api.get(f"{API}/notifications", params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("outcome", "status", "award", "label"),
    [
        ("adopted", "adopted", "grand", "採用"),
        ("partially_adopted", "adopted", "encouragement", "一部採用"),
        ("deferred", "deferred", None, "保留"),
        ("rejected", "rejected", None, "不採用"),
    ],
)
def test_decide(world, implementing, outcome, status, award, label) -> None:
    pid = reviewed(world)
    adopting = status == "adopted"
    body = {
        "outcome": outcome,
        "reason": "窓口の待ち時間が半減する見込み",
        "implementing_department_id": implementing.id,
        "target_hours_saved_per_year_hours": 120.5,
        "target_savings_yen_per_year": 300000,
    }
    if award:
        body["award"] = award
    response = decide(world.sec, pid, **body)
    assert response.status_code == 200, response.text
    p = response.json()
    assert (p["status"], p["outcome"], p["award"]) == (status, outcome, award)
    assert p["decision_reason"] == "窓口の待ち時間が半減する見込み"
    assert p["decided_at"] is not None
    # The implementing department is only kept when the proposal is adopted.
    assert p["implementing_department_id"] == (implementing.id if adopting else None)
    assert p["target_hours_saved_per_year_hours"] == 120.5
    assert p["target_savings_yen_per_year"] == 300000
    assert p["score"] == 70.0 and p["reviews_in"] == 1
    assert ("reopen-review" in p["allowed_actions"]) == (status == "deferred")

    events = world.sec.get(f"{API}/proposals/{pid}/events").json()["items"]
    decisions = [e for e in events if e["action"] == "decide"]
    assert len(decisions) == 1
    (event,) = decisions
    assert (event["from_status"], event["to_status"]) == ("in_review", status)
    assert event["reason"] == "窓口の待ち時間が半減する見込み"
    assert event["actor_id"] == world.secretariat.id
    assert event["changes"]["outcome"] == outcome
    assert event["changes"]["award"] == award

    # The author reads the result and reason, with one notification naming the outcome.
    seen = get(world.api(world.author), pid)
    assert (seen["status"], seen["outcome"], seen["decision_reason"]) == (
        status,
        outcome,
        "窓口の待ち時間が半減する見込み",
    )
    items = notifications(world.api(world.author))["items"]
    (note,) = [n for n in items if n["kind"] == "decided"]
    assert note["proposal_id"] == pid
    assert f"は{label}となりました" in note["title"] and "窓口予約システムの導入" in note["title"]
    assert note["body"] == "窓口の待ち時間が半減する見込み"


def test_each_author_is_notified_exactly_once(world, make_user, implementing) -> None:
    first, second = make_user(name="佐藤次郎"), make_user(name="鈴木三郎")
    pid = reviewed(world, co_author_ids=[first.id, second.id])
    response = decide(
        world.sec,
        pid,
        outcome="adopted",
        reason="全庁展開する",
        award="excellent",
        implementing_department_id=implementing.id,
    )
    assert response.status_code == 200, response.text
    for user in (world.author, first, second):
        listed = notifications(world.api(user))
        assert (listed["total"], listed["unread"]) == (2, 2), user.name
        assert [n["kind"] for n in listed["items"]] == ["decided", "accepted"]
    # Reviewers were told when assigned, not of the decision; the secretariat of the
    # submission only (the decision is its own; B's review is not in yet).
    for reviewer in (world.a, world.b):
        assert [n["kind"] for n in notifications(world.api(reviewer))["items"]] == [
            "review-assigned"
        ]
    assert [n["kind"] for n in notifications(world.sec)["items"]] == ["submitted"]


def test_reading_notifications(world, implementing, session) -> None:
    first = reviewed(world, title="一件目")
    second = reviewed(world, title="二件目")
    # Only the decisions' notices here (the earlier steps' are tests/notices).
    session.exec(delete(Notification).where(col(Notification.kind) != "review-assigned"))
    session.commit()
    decide(world.sec, first, outcome="rejected", reason="効果が小さい")
    decide(world.sec, second, outcome="deferred", reason="来年度に再検討")
    api = world.api(world.author)
    listed = notifications(api)
    assert (listed["total"], listed["unread"], listed["limit"], listed["offset"]) == (2, 2, 50, 0)
    # Newest first.
    assert [n["proposal_id"] for n in listed["items"]] == [second, first]
    newest = listed["items"][0]
    # Someone else's notification is not found, and stays unread.
    assert world.api(world.a).post(f"{API}/notifications/{newest['id']}/read").status_code == 404
    assert world.sec.post(f"{API}/notifications/987654/read").status_code == 404
    read = api.post(f"{API}/notifications/{newest['id']}/read")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    # Reading again keeps the first time.
    again = api.post(f"{API}/notifications/{newest['id']}/read").json()
    assert again["read_at"] == read.json()["read_at"]
    listed = notifications(api)
    assert (listed["total"], listed["unread"]) == (2, 1)
    unread = notifications(api, unread="true")
    assert [n["proposal_id"] for n in unread["items"]] == [first]
    assert unread["unread"] == 1
    # The reviewer's own stay as they were when the author reads all.
    reviewer_unread = notifications(world.api(world.a))["unread"]
    response = api.post(f"{API}/notifications/read-all")
    assert response.status_code == 204
    listed = notifications(api)
    assert (listed["total"], listed["unread"]) == (2, 0)
    assert all(n["read_at"] is not None for n in listed["items"])
    assert notifications(world.api(world.a))["unread"] == reviewer_unread == 2
    assert notifications(api, limit=1)["items"][0]["proposal_id"] == second
    assert api.get(f"{API}/notifications", params={"limit": 201}).status_code == 422


DEPT = object()  # replaced by the implementing department's id


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "adopted", "implementing_department_id": DEPT}, "reason"),
        ({"outcome": "adopted", "reason": "", "implementing_department_id": DEPT}, "reason"),
        ({"outcome": "rejected", "reason": "  \u3000\n"}, "reason"),
        ({"outcome": "deferred", "reason": None}, "reason"),
        ({"outcome": "accepted", "reason": "理由"}, "outcome"),
        ({"outcome": "採用", "reason": "理由"}, "outcome"),
        ({"reason": "理由"}, "outcome"),
        (
            {
                "outcome": "adopted",
                "reason": "理由",
                "award": "gold",
                "implementing_department_id": DEPT,
            },
            "award",
        ),
        ({"outcome": "deferred", "reason": "理由", "award": "grand"}, "award"),
        ({"outcome": "rejected", "reason": "理由", "award": "merit"}, "award"),
        ({"outcome": "adopted", "reason": "理由"}, "implementing_department_id"),
        ({"outcome": "partially_adopted", "reason": "理由"}, "implementing_department_id"),
        (
            {"outcome": "adopted", "reason": "理由", "implementing_department_id": 987654},
            "implementing_department_id",
        ),
        (
            {"outcome": "adopted", "reason": "理由", "implementing_department_id": "情報政策課"},
            "implementing_department_id",
        ),
        (
            {
                "outcome": "adopted",
                "reason": "理由",
                "implementing_department_id": DEPT,
                "target_savings_yen_per_year": -1,
            },
            "target_savings_yen_per_year",
        ),
        ({"outcome": "rejected", "reason": "理由", "status": "adopted"}, "status"),
        ({"outcome": "rejected", "reason": "理由", "decided_at": "2026-04-01"}, "decided_at"),
    ],
)
def test_bad_decision_is_422_and_writes_nothing(world, session, implementing, body, field) -> None:
    pid = reviewed(world)
    body = {k: (implementing.id if v is DEPT else v) for k, v in body.items()}
    before = written(session, pid)
    told = notifications(world.api(world.author))["total"]
    response = world.sec.post(f"{API}/proposals/{pid}/decide", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert any(field in e["loc"] for e in response.json()["errors"]), response.json()
    assert written(session, pid) == before
    assert notifications(world.api(world.author))["total"] == told
    assert get(world.sec, pid)["status"] == "in_review"


def test_decision_needs_a_completed_review(world, session, implementing) -> None:
    pid = in_review(world.api(world.author), world.sec)
    body = {"outcome": "rejected", "reason": "効果が小さい"}
    # No reviewer at all, then reviewers who have not scored: 409.
    for reviewers in ((), (world.a, world.b)):
        if reviewers:
            assign(world.sec, pid, *reviewers)
        before = written(session, pid)
        response = decide(world.sec, pid, **body)
        assert response.status_code == 409, response.text
        assert response.json()["detail"]
        assert written(session, pid) == before
        assert "decide" not in get(world.sec, pid)["allowed_actions"]
    # A review by a reviewer since taken off does not count either.
    score(world.api(world.a), pid, 3, 3, 3, 3, 3, 3)
    assert "decide" in get(world.sec, pid)["allowed_actions"]
    assign(world.sec, pid, world.b)
    assert decide(world.sec, pid, **body).status_code == 409
    # Bad input is still 422 first.
    assert decide(world.sec, pid, outcome="rejected", reason=" ").status_code == 422
    score(world.api(world.b), pid, 2, 2, 2, 2, 2, 2)
    assert decide(world.sec, pid, **body).status_code == 200


def test_decision_without_review_when_the_setting_allows(world, app_with, implementing) -> None:
    login = app_with(decision_requires_review=False)
    sec = login(world.secretariat)
    pid = in_review(login(world.author), sec)
    assert "decide" in sec.get(f"{API}/proposals/{pid}").json()["allowed_actions"]
    response = sec.post(
        f"{API}/proposals/{pid}/decide",
        json={
            "outcome": "adopted",
            "reason": "実施済みの好事例",
            "implementing_department_id": implementing.id,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["score"], body["reviews_in"]) == ("adopted", None, 0)


def test_decision_is_the_secretariats_in_review(world, make_user, session, implementing) -> None:
    author_api = world.api(world.author)
    pid = reviewed(world)
    body = {"outcome": "rejected", "reason": "効果が小さい"}
    before = written(session, pid)
    # Sees it, may not decide: 403 (the author, an assigned reviewer, a supervisor).
    assert decide(author_api, pid, **body).status_code == 403
    assert decide(world.api(world.a), pid, **body).status_code == 403
    supervisor = make_user(Role.supervisor, department=world.department)
    assert decide(world.api(supervisor), pid, **body).status_code == 403
    # Does not see it: 404.
    assert decide(world.api(world.c), pid, **body).status_code == 404
    assert decide(world.sec, 987654, **body).status_code == 404
    assert written(session, pid) == before
    # Stale If-Match: 412.
    response = world.sec.post(
        f"{API}/proposals/{pid}/decide", json=body, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 412
    assert written(session, pid) == before
    # Once decided, not again: 409.
    assert decide(world.sec, pid, **body).status_code == 200
    before = written(session, pid)
    response = decide(
        world.sec,
        pid,
        outcome="adopted",
        reason="やはり採用",
        implementing_department_id=implementing.id,
    )
    assert response.status_code == 409
    assert "rejected" in response.json()["detail"]
    assert written(session, pid) == before
    # Nor before review: a submitted proposal.
    waiting = shared.submitted(author_api)
    assert decide(world.sec, waiting, **body).status_code == 409


def test_reopen_review_of_a_deferred_proposal(world, session, implementing) -> None:
    pid = reviewed(world)
    a_api, b_api = world.api(world.a), world.api(world.b)
    deferred = decide(
        world.sec,
        pid,
        outcome="deferred",
        reason="予算の見通しが立たない",
        target_hours_saved_per_year_hours=50,
        target_savings_yen_per_year=100000,
    )
    assert deferred.status_code == 200, deferred.text
    assert deferred.json()["target_savings_yen_per_year"] == 100000
    # Only the secretariat reopens.
    before = written(session, pid)
    assert (
        world.api(world.author).post(f"{API}/proposals/{pid}/reopen-review", json={}).status_code
        == 403
    )
    assert a_api.post(f"{API}/proposals/{pid}/reopen-review", json={}).status_code == 403
    bad = world.sec.post(f"{API}/proposals/{pid}/reopen-review", json={"reason": "x"})
    assert bad.status_code == 422
    assert written(session, pid) == before

    response = world.sec.post(f"{API}/proposals/{pid}/reopen-review", json={})
    assert response.status_code == 200, response.text
    p = response.json()
    assert (p["status"], p["outcome"], p["decided_at"]) == ("in_review", None, None)
    # Nothing of the earlier decision is left on the proposal (it stays in the timeline).
    assert (p["decision_reason"], p["award"], p["implementing_department_id"]) == (None,) * 3
    assert (p["target_hours_saved_per_year_hours"], p["target_savings_yen_per_year"]) == (
        None,
        None,
    )
    assert (p["score"], p["reviews_in"], p["reviewers_assigned"]) == (70.0, 1, 2)
    events = world.sec.get(f"{API}/proposals/{pid}/events").json()["items"]
    assert [e["action"] for e in events][-2:] == ["decide", "reopen-review"]
    assert (events[-1]["from_status"], events[-1]["to_status"]) == ("deferred", "in_review")

    # The reviewers score again; the score follows.
    assert score(a_api, pid, 5, 5, 5, 5, 5, 5)["total"] == 100.0
    assert score(b_api, pid, 3, 3, 3, 3, 3, 3)["total"] == 60.0
    assert get(world.sec, pid)["score"] == 80.0
    assert [i["id"] for i in a_api.get(f"{API}/reviews/assigned").json()["items"]] == [pid]

    # Decided again; the author has two decision notifications now.
    response = decide(
        world.sec,
        pid,
        outcome="adopted",
        reason="予算化の目処が立った",
        award="merit",
        implementing_department_id=implementing.id,
    )
    assert response.status_code == 200, response.text
    assert (response.json()["outcome"], response.json()["award"]) == ("adopted", "merit")
    kinds = [n["kind"] for n in notifications(world.api(world.author))["items"]]
    assert kinds == ["decided", "decided", "accepted"]


@pytest.mark.parametrize("outcome", ["adopted", "rejected", None])
def test_reopen_review_only_from_deferred(world, session, implementing, outcome) -> None:
    pid = reviewed(world)
    if outcome:
        response = decide(
            world.sec,
            pid,
            outcome=outcome,
            reason="決定",
            implementing_department_id=implementing.id,
        )
        assert response.status_code == 200, response.text
    before = written(session, pid)
    response = world.sec.post(f"{API}/proposals/{pid}/reopen-review", json={})
    assert response.status_code == 409, response.text
    assert (outcome or "in_review") in response.json()["detail"]
    assert written(session, pid) == before
