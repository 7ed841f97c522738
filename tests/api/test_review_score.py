"""The proposal's score (issue 4), with hand-computed expectations.

Default rubric: effectiveness 30, feasibility 20, economy 15, originality 15,
applicability 10, effort 10. A review's total is Σ level / 5 × weight; the proposal's
score is the mean of the counted reviews' totals (= Σ mean_c / 5 × weight_c on one rubric),
to one decimal; 要協議 when the totals spread by more than the margin (default 20).
"""

from sqlmodel import Session

from app.models.enums import Role
from tests.api import review_support as shared
from tests.api.review_support import (
    API,
    LEVEL_TEXTS,
    assign,
    get,
    in_review,
    score,
    scores,
    written,
)

# The shared fixtures (pytest finds fixtures by module attribute).
world = shared.world
app_with = shared.app_with

# Reviewer A: 5,4,3,3,2,1 → 5/5*30 + 4/5*20 + 3/5*15 + 3/5*15 + 2/5*10 + 1/5*10
#                          = 30 + 16 + 9 + 9 + 4 + 2 = 70.0
A_LEVELS = (5, 4, 3, 3, 2, 1)
# Reviewer B: 3 everywhere → 3/5 * 100 = 60.0
B_LEVELS = (3, 3, 3, 3, 3, 3)


def reviewed_by_two(world) -> int:
    pid = in_review(world.api(world.author), world.sec)
    assign(world.sec, pid, world.a, world.b)
    return pid


def summary(api, pid: int) -> tuple:
    p = get(api, pid)
    return (p["score"], p["reviews_in"], p["reviewers_assigned"], p["needs_discussion"])


def rubric(criteria: list[tuple[str, str, int]]) -> dict:
    return {
        "criteria": [
            {"code": code, "label": label, "weight": weight, "levels": LEVEL_TEXTS}
            for code, label, weight in criteria
        ]
    }


def put_rubric(world, criteria) -> dict:
    response = world.sec.put(f"{API}/rubric", json=rubric(criteria))
    assert response.status_code == 200, response.text
    return response.json()


def test_unscored_proposal_has_no_score(world) -> None:
    pid = reviewed_by_two(world)
    assert summary(world.sec, pid) == (None, 0, 2, False)
    reviews = world.sec.get(f"{API}/proposals/{pid}/reviews").json()
    assert (reviews["items"], reviews["score"], reviews["breakdown"]) == ([], None, [])


def test_score_is_the_mean_of_two_reviewers_weighted_totals(world) -> None:
    pid = reviewed_by_two(world)
    first = score(world.api(world.a), pid, *A_LEVELS)
    assert (first["total"], first["rubric_version"]) == (70.0, 1)
    assert first["scores"] == scores(*A_LEVELS)
    assert summary(world.sec, pid) == (70.0, 1, 2, False)

    second = score(world.api(world.b), pid, *B_LEVELS)
    assert second["total"] == 60.0
    # (70 + 60) / 2 = 65.0; by API.md's formula on the per-criterion means
    # (4, 3.5, 3, 3, 2.5, 2): 24 + 14 + 9 + 9 + 5 + 4 = 65.0.
    assert summary(world.sec, pid) == (65.0, 2, 2, False)
    # Until the decision the score is the secretariat's alone (issue 11, item 10): the
    # author and the reviewers read null.
    assert get(world.api(world.author), pid)["score"] is None
    assert get(world.api(world.a), pid)["score"] is None

    reviews = world.sec.get(f"{API}/proposals/{pid}/reviews").json()
    assert [(i["reviewer_id"], i["total"], i["rubric_version"]) for i in reviews["items"]] == [
        (world.a.id, 70.0, 1),
        (world.b.id, 60.0, 1),
    ]
    assert (reviews["score"], reviews["reviews_in"], reviews["reviewers_assigned"]) == (65.0, 2, 2)
    assert reviews["needs_discussion"] is False
    assert [
        (r["code"], r["label"], r["weight"], r["mean"], r["count"]) for r in reviews["breakdown"]
    ] == [
        ("effectiveness", "効果性", 30, 4.0, 2),
        ("feasibility", "実現性", 20, 3.5, 2),
        ("economy", "経済性", 15, 3.0, 2),
        ("originality", "独創性", 15, 3.0, 2),
        ("applicability", "応用性（横展開）", 10, 2.5, 2),
        ("effort", "努力度", 10, 2.0, 2),
    ]
    listed = world.sec.get(f"{API}/proposals/{pid}/reviewers").json()["items"]
    assert [i["reviewed"] for i in listed] == [True, True]


def test_changing_a_review_moves_the_score(world) -> None:
    pid = reviewed_by_two(world)
    a_api = world.api(world.a)
    score(a_api, pid, *A_LEVELS)
    score(world.api(world.b), pid, *B_LEVELS)
    changed = score(a_api, pid, 5, 5, 5, 5, 5, 5, comment="見直した")
    # 100 and 60 → 80.0; still two reviews, no more.
    assert changed["total"] == 100.0 and changed["comment"] == "見直した"
    assert summary(world.sec, pid) == (80.0, 2, 2, True)  # spread 40 > 20
    score(a_api, pid, 1, 1, 1, 1, 1, 1)
    # 1/5 * 100 = 20 and 60 → 40.0, spread 40.
    assert summary(world.sec, pid) == (40.0, 2, 2, True)
    score(a_api, pid, 2, 2, 2, 2, 2, 2)
    # 40 and 60 → 50.0, spread 20: not more than the margin.
    assert summary(world.sec, pid) == (50.0, 2, 2, False)
    reviews = world.sec.get(f"{API}/proposals/{pid}/reviews").json()
    assert [i["total"] for i in reviews["items"]] == [40.0, 60.0]
    events = world.sec.get(f"{API}/proposals/{pid}/events").json()["items"]
    totals = [e["changes"]["total"] for e in events if e["action"] == "review"]
    assert totals == [[None, 70.0], [None, 60.0], [70.0, 100.0], [100.0, 20.0], [20.0, 40.0]]


def test_rubric_change_mid_round_keeps_past_totals(world) -> None:
    pid = reviewed_by_two(world)
    a_api, b_api = world.api(world.a), world.api(world.b)
    score(a_api, pid, *A_LEVELS)  # 70.0 on version 1
    new = put_rubric(
        world,
        [
            ("effectiveness", "効果性", 40),
            ("feasibility", "実現性", 20),
            ("economy", "経済性", 10),
            ("originality", "独創性", 10),
            ("applicability", "応用性", 10),
            ("effort", "努力度", 10),
        ],
    )
    assert new["version"] == 2
    # A's review is not rewritten: still 70.0 on version 1 (on version 2 it would be 74).
    reviews = world.sec.get(f"{API}/proposals/{pid}/reviews").json()
    assert [(i["total"], i["rubric_version"]) for i in reviews["items"]] == [(70.0, 1)]
    assert summary(world.sec, pid) == (70.0, 1, 2, False)

    # B scores on version 2: 5/5*40 + 1/5*20 + 1/5*10*4 = 40 + 4 + 8 = 52.0
    # (on version 1 the same levels would give 30 + 4 + 3 + 3 + 2 + 2 = 44).
    second = score(b_api, pid, 5, 1, 1, 1, 1, 1)
    assert (second["total"], second["rubric_version"]) == (52.0, 2)
    # (70 + 52) / 2 = 61.0
    assert summary(world.sec, pid) == (61.0, 2, 2, False)

    # A changes their review after the change: it is made on version 2 now.
    # 5/5*40 + 4/5*20 + 3/5*10 + 3/5*10 + 2/5*10 + 1/5*10 = 40 + 16 + 6 + 6 + 4 + 2 = 74.0
    again = score(a_api, pid, *A_LEVELS)
    assert (again["total"], again["rubric_version"]) == (74.0, 2)
    # (74 + 52) / 2 = 63.0; the spread is now 74 − 52 = 22 > 20: 要協議.
    assert summary(world.sec, pid) == (63.0, 2, 2, True)
    reviews = world.sec.get(f"{API}/proposals/{pid}/reviews").json()
    assert [(i["total"], i["rubric_version"]) for i in reviews["items"]] == [(74.0, 2), (52.0, 2)]


def test_rubric_change_with_another_criterion(world, session: Session) -> None:
    pid = reviewed_by_two(world)
    a_api, b_api = world.api(world.a), world.api(world.b)
    score(a_api, pid, *A_LEVELS)  # 70.0 on version 1
    put_rubric(
        world,
        [
            ("effectiveness", "効果性", 30),
            ("feasibility", "実現性", 20),
            ("economy", "経済性", 15),
            ("originality", "独創性", 15),
            ("applicability", "応用性", 10),
            ("citizen", "町民満足度", 10),
        ],
    )
    # The old criteria no longer do: effort is unknown, citizen missing.
    before = written(session, pid)
    response = b_api.put(
        f"{API}/proposals/{pid}/reviews/mine", json={"scores": scores(*B_LEVELS), "comment": "x"}
    )
    assert response.status_code == 422
    locs = sorted(tuple(e["loc"]) for e in response.json()["errors"])
    assert locs == [("body", "scores", "citizen"), ("body", "scores", "effort")]
    assert written(session, pid) == before

    new_scores = {
        "effectiveness": 5,
        "feasibility": 4,
        "economy": 3,
        "originality": 3,
        "applicability": 2,
        "citizen": 5,
    }
    response = b_api.put(
        f"{API}/proposals/{pid}/reviews/mine", json={"scores": new_scores, "comment": "x"}
    )
    assert response.status_code == 200, response.text
    # 30 + 16 + 9 + 9 + 4 + 5/5*10 = 78.0
    assert (response.json()["total"], response.json()["rubric_version"]) == (78.0, 2)
    # (70 + 78) / 2 = 74.0; A's review stays on version 1 with its effort score.
    assert summary(world.sec, pid) == (74.0, 2, 2, False)
    reviews = world.sec.get(f"{API}/proposals/{pid}/reviews").json()
    assert reviews["items"][0]["scores"] == scores(*A_LEVELS)
    assert reviews["items"][0]["total"] == 70.0
    means = {r["code"]: (r["mean"], r["count"]) for r in reviews["breakdown"]}
    assert means["effectiveness"] == (5.0, 2)
    assert means["effort"] == (1.0, 1)
    assert means["citizen"] == (5.0, 1)


def test_needs_discussion_when_totals_spread_more_than_20(world) -> None:
    pid = reviewed_by_two(world)
    a_api = world.api(world.a)
    score(world.api(world.b), pid, *B_LEVELS)  # 60
    # One review alone is never flagged.
    assert summary(world.sec, pid) == (60.0, 1, 2, False)
    # 30 + 20 + 15 + 15 + 3/5*10 + 2/5*10 = 90: spread 30 → 要協議; (90 + 60) / 2 = 75.0
    score(a_api, pid, 5, 5, 5, 5, 3, 2)
    assert summary(world.sec, pid) == (75.0, 2, 2, True)
    assert world.sec.get(f"{API}/proposals/{pid}/reviews").json()["needs_discussion"] is True
    # 4 everywhere = 80: spread exactly 20 → not flagged; 70.0
    score(a_api, pid, 4, 4, 4, 4, 4, 4)
    assert summary(world.sec, pid) == (70.0, 2, 2, False)
    # 24 + 16 + 12 + 12 + 5/5*10 + 8 = 82: spread 22 → flagged; 71.0
    score(a_api, pid, 4, 4, 4, 4, 5, 4)
    assert summary(world.sec, pid) == (71.0, 2, 2, True)
    # A third reviewer in between does not hide the spread (82 − 60 still 22); (82+60+70)/3
    assign(world.sec, pid, world.a, world.b, world.c)
    score(world.api(world.c), pid, *A_LEVELS)
    assert summary(world.sec, pid) == (70.7, 3, 3, True)


def test_exactly_the_margin_with_fractional_totals_is_not_flagged(world) -> None:
    put_rubric(world, [("x", "項目X", 33), ("y", "項目Y", 33), ("z", "項目Z", 34)])
    pid = reviewed_by_two(world)
    # A: 3/5*33 + 1/5*33 + 4/5*34 = 19.8 + 6.6 + 27.2 = 53.6
    # B: 1/5*33 + 1/5*33 + 3/5*34 = 6.6 + 6.6 + 20.4 = 33.6 → spread exactly 20.0
    for reviewer, levels in ((world.a, (3, 1, 4)), (world.b, (1, 1, 3))):
        response = world.api(reviewer).put(
            f"{API}/proposals/{pid}/reviews/mine",
            json={"scores": dict(zip("xyz", levels, strict=True)), "comment": ""},
        )
        assert response.status_code == 200, response.text
    reviews = world.sec.get(f"{API}/proposals/{pid}/reviews").json()
    assert [i["total"] for i in reviews["items"]] == [53.6, 33.6]
    # (53.6 + 33.6) / 2 = 43.6
    assert summary(world.sec, pid) == (43.6, 2, 2, False)


def test_score_is_rounded_half_up_to_one_decimal(world) -> None:
    pid = in_review(world.api(world.author), world.sec)
    assign(world.sec, pid, world.a, world.b, world.c, world.d)
    score(world.api(world.a), pid, *B_LEVELS)  # 60
    score(world.api(world.b), pid, *B_LEVELS)  # 60
    score(world.api(world.c), pid, *B_LEVELS)  # 60
    # 18 + 12 + 4/5*15 + 9 + 6 + 2/5*10 = 18 + 12 + 12 + 9 + 6 + 4 = 61
    assert score(world.api(world.d), pid, 3, 3, 4, 3, 3, 2)["total"] == 61.0
    # (60 + 60 + 60 + 61) / 4 = 60.25 → 60.3 (四捨五入)
    assert summary(world.sec, pid) == (60.3, 4, 4, False)
    # Three of them: (60 + 60 + 61) / 3 = 60.333… → 60.3
    assign(world.sec, pid, world.b, world.c, world.d)
    assert summary(world.sec, pid) == (60.3, 3, 3, False)


def test_a_recused_reviewers_review_stops_counting(world) -> None:
    pid = reviewed_by_two(world)
    score(world.api(world.a), pid, *A_LEVELS)  # 70
    score(world.api(world.b), pid, 5, 5, 5, 5, 3, 2)  # 90 → 80.0, spread 20
    assert summary(world.sec, pid) == (80.0, 2, 2, False)
    response = world.api(world.b).post(
        f"{API}/proposals/{pid}/recuse", json={"reason": "提案者と利害関係がある"}
    )
    assert response.status_code == 200, response.text
    assert summary(world.sec, pid) == (70.0, 1, 1, False)
    reviews = world.sec.get(f"{API}/proposals/{pid}/reviews").json()
    assert [(i["reviewer_id"], i["total"]) for i in reviews["items"]] == [(world.a.id, 70.0)]
    assert [r["mean"] for r in reviews["breakdown"]] == [5.0, 4.0, 3.0, 3.0, 2.0, 1.0]
    # A's own recusal leaves no counted review.
    world.api(world.a).post(f"{API}/proposals/{pid}/recuse", json={"reason": "同上"})
    assert summary(world.sec, pid) == (None, 0, 0, False)


def test_a_reviewer_taken_off_stops_counting_and_counts_again_when_put_back(world) -> None:
    pid = reviewed_by_two(world)
    score(world.api(world.a), pid, *A_LEVELS)  # 70
    score(world.api(world.b), pid, *B_LEVELS)  # 60
    assign(world.sec, pid, world.a)
    assert summary(world.sec, pid) == (70.0, 1, 1, False)
    reviews = world.sec.get(f"{API}/proposals/{pid}/reviews").json()
    assert [i["reviewer_id"] for i in reviews["items"]] == [world.a.id]
    assign(world.sec, pid, world.b, world.c)
    # Only B's 60 counts; C has not scored.
    assert summary(world.sec, pid) == (60.0, 1, 2, False)
    assign(world.sec, pid, world.a, world.b, world.c)
    assert summary(world.sec, pid) == (65.0, 2, 3, False)
    assign(world.sec, pid)
    assert summary(world.sec, pid) == (None, 0, 0, False)


def test_margin_is_a_setting(world, make_user, app_with) -> None:
    login = app_with(review_spread_margin=10)
    sec = login(world.secretariat)
    pid = in_review(login(world.author), sec)
    assign(sec, pid, world.a, world.b)
    score(login(world.a), pid, *A_LEVELS)  # 70
    score(login(world.b), pid, *B_LEVELS)  # 60: spread exactly 10
    assert summary(sec, pid) == (65.0, 2, 2, False)
    # 3,3,3,3,3,2 = 60 − 2 = 58: spread 12 > 10; (70 + 58) / 2 = 64.0
    score(login(world.b), pid, 3, 3, 3, 3, 3, 2)
    assert summary(sec, pid) == (64.0, 2, 2, True)


def test_reviewer_role_alone_does_not_count_before_assignment(world, make_user) -> None:
    # Reviews are only ever by assigned reviewers; an assignment without a review adds to
    # reviewers_assigned only.
    pid = reviewed_by_two(world)
    outsider = make_user(Role.reviewer)
    assign(world.sec, pid, world.a, world.b, outsider)
    score(world.api(world.a), pid, *A_LEVELS)
    assert summary(world.sec, pid) == (70.0, 1, 3, False)
