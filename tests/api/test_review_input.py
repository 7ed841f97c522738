"""Review API (issue 4): scoring input, reading reviews and the queue, the rubric, awards
and the ranking.
"""

import pytest

from app.models.enums import Role
from app.models.types import utcnow
from app.wareki import fiscal_year_of
from tests.api import review_support as shared
from tests.api.review_support import (
    API,
    CODES,
    DEFAULT_RUBRIC,
    assign,
    decide,
    errors_of,
    in_review,
    score,
    scores,
    submitted,
    written,
)

world = shared.world


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
        (i["rank"], i["id"], i["score"], i["reviews_in"], i["needs_discussion"], i["scoring"])
        for i in body["items"]
    ]
    # Only complete scoring is ranked; 1 of 2 and 0 of 2 follow, unranked.
    assert rows == [
        (1, high, 90.0, 2, False, "complete"),
        (2, flagged, 75.0, 2, True, "complete"),
        (None, low, 40.0, 1, False, "incomplete"),
        (None, unscored, None, 0, False, "incomplete"),
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
