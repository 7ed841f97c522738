"""Issue 11, item 10: individual review totals, reasons for recusal and the score before
the decision are the secretariat's alone.

Each `review` event keeps `{"total": [before, after]}` (the audit trail of how a score
moved); before the fix everyone who could read the timeline read those numbers — the author
while in review, every staff member once adopted — a reviewer read the proposal's `score`
and `reviews_in` before scoring, and the reason for a recusal became public on adoption.
Now the timeline tells everyone but the secretariat that a review or recusal happened, not
its numbers or reason; the aggregate score (not 要協議) is shown to others once decided.
Checked role by role, on the API and on the proposal page's timeline.

Reviewer A scores 5,4,3,4,3,4 → 30 + 16 + 9 + 12 + 6 + 8 = 81.0; B scores 2,3,3,2,3,3 →
12 + 12 + 9 + 6 + 6 + 6 = 51.0; the score is 66.0, spread 30 > 20 (要協議); C recuses.
"""

from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from app.models.enums import Role
from tests.security.review_setup import API, ok, review_world, score

RECUSAL = "辞退理由ユニーク"
TOTALS = ("81.0", "51.0", "66.0")


@pytest.fixture
def world(make_user, make_department, api_as, page_as) -> SimpleNamespace:
    world = review_world(make_user, make_department, api_as, reviewers=3)
    world.a, world.b, world.c = world.reviewers
    world.staff = make_user(name="ほかの職員")
    world.finance = make_user(Role.finance, name="財政担当者")
    world.api = {
        "author": world.author_api,
        "supervisor": api_as(world.supervisor),
        "reviewer A (scored)": api_as(world.a),
        "reviewer B (scored)": api_as(world.b),
        "reviewer C (recused)": api_as(world.c),
        "staff": api_as(world.staff),
        "finance": api_as(world.finance),
    }
    world.page = page_as
    score(world.api["reviewer A (scored)"], world.pid, 5, 4, 3, 4, 3, 4)
    score(world.api["reviewer B (scored)"], world.pid, 2, 3, 3, 2, 3, 3)
    ok(
        world.api["reviewer C (recused)"].post(
            f"{API}/proposals/{world.pid}/recuse", json={"reason": RECUSAL}
        )
    )
    return world


def decide(world: SimpleNamespace) -> None:
    body = {
        "outcome": "adopted",
        "reason": "効果が大きい",
        "implementing_department_id": world.home.id,
    }
    ok(world.sec.post(f"{API}/proposals/{world.pid}/decide", json=body))


def assert_timeline_without_figures(api: TestClient, world: SimpleNamespace, who: str) -> None:
    response = ok(api.get(f"{API}/proposals/{world.pid}/events"))
    events = response.json()["items"]
    reviews = [e for e in events if e["action"] == "review"]
    recusals = [e for e in events if e["action"] == "recuse"]
    # That the reviews and the recusal happened is no secret; their content is.
    assert len(reviews) == 2 and len(recusals) == 1, who
    assert all(e["changes"] == {} for e in reviews), (who, reviews)
    assert recusals[0]["reason"] is None, who
    assert RECUSAL not in response.text, who


def assert_page_without_figures(user, world: SimpleNamespace, who: str) -> None:
    html = world.page(user).get(f"/proposals/{world.pid}").text
    assert 'id="timeline"' in html, who
    assert RECUSAL not in html, who
    for total in TOTALS:
        assert f"{total}点" not in html, (who, total)


def test_in_review_only_the_secretariat_reads_totals_reasons_and_the_score(world) -> None:
    readers = ("author", "supervisor", "reviewer A (scored)", "reviewer B (scored)")
    for who in readers:
        api = world.api[who]
        proposal = ok(api.get(f"{API}/proposals/{world.pid}")).json()
        figures = ("score", "reviews_in", "reviewers_assigned", "needs_discussion")
        assert [proposal[k] for k in figures] == [None] * 4, (who, proposal)
        assert_timeline_without_figures(api, world, who)
    for who in ("reviewer A (scored)", "reviewer B (scored)"):
        api = world.api[who]
        reviews = ok(api.get(f"{API}/proposals/{world.pid}/reviews")).json()
        assert len(reviews["items"]) == 1  # their own, with its total
        figures = [reviews[k] for k in ("score", "reviews_in", "reviewers_assigned")]
        assert figures == [None, None, None], who
        (queued,) = ok(api.get(f"{API}/reviews/assigned")).json()["items"]
        assert (queued["score"], queued["reviews_in"]) == (None, None), who
    # Staff and finance do not see a proposal in review at all.
    for who in ("staff", "finance"):
        assert world.api[who].get(f"{API}/proposals/{world.pid}").status_code == 404
    for who, user in (("author", world.author), ("supervisor", world.supervisor)):
        assert_page_without_figures(user, world, who)
    assert_page_without_figures(world.a, world, "reviewer A (scored)")


def test_after_adoption_everyone_reads_the_score_but_no_totals_or_reasons(world) -> None:
    decide(world)
    for who, api in world.api.items():
        proposal = ok(api.get(f"{API}/proposals/{world.pid}")).json()
        assert (proposal["score"], proposal["reviews_in"]) == (66.0, 2), who
        assert proposal["needs_discussion"] is None, who
        assert_timeline_without_figures(api, world, who)
    users = {
        "author": world.author,
        "supervisor": world.supervisor,
        "reviewer A (scored)": world.a,
        "reviewer C (recused)": world.c,
        "staff": world.staff,
        "finance": world.finance,
    }
    for who, user in users.items():
        assert_page_without_figures(user, world, who)


def test_the_secretariat_reads_every_total_and_reason(world) -> None:
    for decided in (False, True):
        if decided:
            decide(world)
        events = ok(world.sec.get(f"{API}/proposals/{world.pid}/events")).json()["items"]
        totals = [(e["actor_id"], e["changes"]) for e in events if e["action"] == "review"]
        assert totals == [
            (world.a.id, {"total": [None, 81.0]}),
            (world.b.id, {"total": [None, 51.0]}),
        ]
        (recusal,) = [e for e in events if e["action"] == "recuse"]
        assert (recusal["actor_id"], recusal["reason"]) == (world.c.id, RECUSAL)
        proposal = ok(world.sec.get(f"{API}/proposals/{world.pid}")).json()
        assert (proposal["score"], proposal["reviews_in"], proposal["reviewers_assigned"]) == (
            66.0,
            2,
            2,
        )
        assert proposal["needs_discussion"] is True
    html = world.page(world.secretariat).get(f"/proposals/{world.pid}").text
    assert RECUSAL in html and "66.0点" in html
