"""Issue 17 item 4: the ranking ranks only proposals whose scoring is complete, lists those
still being scored (n／m人, no rank) and those with no reviewer apart; the secretariat's home
lists 「審査委員が未割当」, and the API gives the same through GET /ranking?scoring=…"""

import re

from sqlmodel import Session

from app.models import Proposal
from app.models.enums import Role
from tests.api import review_support as shared
from tests.api.review_support import API, assign, decide, in_review, score

world = shared.world


def _ranked(world):
    """Complete 2/2 (90), complete 1/1 (60), 1 of 2 scored (100 so far), none scored of 2,
    none assigned, one whose only reviewer recused (no counted reviewer), one decided."""
    author_api = world.api(world.author)
    a_api, b_api = world.api(world.a), world.api(world.b)
    p = {
        name: in_review(author_api, world.sec, title=title)
        for name, title in (
            ("full", "採点完了の提案"),
            ("single", "一人で完了の提案"),
            ("half", "半分採点の提案"),
            ("none_scored", "未採点の提案"),
            ("unassigned", "未割当の提案"),
            ("recused", "辞退された提案"),
            ("decided", "決定済みの提案"),
        )
    }
    assign(world.sec, p["full"], world.a, world.b)
    assign(world.sec, p["single"], world.c)
    assign(world.sec, p["half"], world.a, world.b)
    assign(world.sec, p["none_scored"], world.a, world.b)
    assign(world.sec, p["recused"], world.d)
    assign(world.sec, p["decided"], world.a)
    score(a_api, p["full"], 4, 4, 4, 4, 4, 4)  # 80
    score(b_api, p["full"], 5, 5, 5, 5, 5, 5)  # 100 → 90.0
    score(world.api(world.c), p["single"], 3, 3, 3, 3, 3, 3)  # 60
    score(a_api, p["half"], 5, 5, 5, 5, 5, 5)  # 100 with one of two in: must not top it
    recusal = world.api(world.d).post(
        f"{API}/proposals/{p['recused']}/recuse", json={"reason": "利害関係があるため"}
    )
    assert recusal.status_code == 200, recusal.text
    score(a_api, p["decided"], 5, 5, 5, 5, 5, 5)
    assert decide(world.sec, p["decided"], outcome="rejected", reason="重複").status_code == 200
    return p


def test_api_ranks_only_complete_scoring_and_groups_the_rest(world, make_user) -> None:
    p = _ranked(world)
    body = world.sec.get(f"{API}/ranking").json()
    rows = [
        (i["id"], i["rank"], i["scoring"], i["score"], i["reviews_in"], i["reviewers_assigned"])
        for i in body["items"]
    ]
    assert rows == [
        (p["full"], 1, "complete", 90.0, 2, 2),
        (p["single"], 2, "complete", 60.0, 1, 1),
        (p["half"], None, "incomplete", 100.0, 1, 2),
        (p["none_scored"], None, "incomplete", None, 0, 2),
        (p["unassigned"], None, "unassigned", None, 0, 0),
        (p["recused"], None, "unassigned", None, 0, 0),
    ]
    assert body["total"] == 6

    def ids(scoring: str) -> list[int]:
        response = world.sec.get(f"{API}/ranking", params={"scoring": scoring})
        assert response.status_code == 200, response.text
        return [(i["id"], i["rank"]) for i in response.json()["items"]]

    assert ids("complete") == [(p["full"], 1), (p["single"], 2)]
    assert ids("incomplete") == [(p["half"], None), (p["none_scored"], None)]
    assert ids("unassigned") == [(p["unassigned"], None), (p["recused"], None)]

    bad = world.sec.get(f"{API}/ranking", params={"scoring": "finished"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"

    # Only the secretariat reads the ranking and its unassigned queue.
    supervisor = make_user(Role.supervisor, department=world.department)
    for user in (world.author, world.a, supervisor, make_user(Role.finance)):
        for params in ({}, {"scoring": "unassigned"}):
            refused = world.api(user).get(f"{API}/ranking", params=params)
            assert refused.status_code == 403
            assert refused.headers["content-type"] == "application/problem+json"


def test_assigning_a_reviewer_moves_a_proposal_out_of_the_unassigned_queue(world) -> None:
    p = _ranked(world)
    assign(world.sec, p["unassigned"], world.c)
    unassigned = world.sec.get(f"{API}/ranking", params={"scoring": "unassigned"}).json()
    assert [i["id"] for i in unassigned["items"]] == [p["recused"]]
    score(world.api(world.c), p["unassigned"], 2, 2, 2, 2, 2, 2)  # 40: complete, ranked third
    complete = world.sec.get(f"{API}/ranking", params={"scoring": "complete"}).json()
    assert [(i["id"], i["rank"]) for i in complete["items"]] == [
        (p["full"], 1),
        (p["single"], 2),
        (p["unassigned"], 3),
    ]
    # The second reviewer scores the half-scored proposal: now complete, mean 90.0 ties
    # with the first and is ranked by score among the complete ones.
    score(world.api(world.b), p["half"], 4, 4, 4, 4, 4, 4)  # 80 → 90.0
    items = world.sec.get(f"{API}/ranking").json()["items"]
    ranked = [(i["id"], i["rank"]) for i in items if i["rank"] is not None]
    assert [rank for _id, rank in ranked] == [1, 2, 3, 4]
    assert {_id for _id, rank in ranked[:2]} == {p["full"], p["half"]}


def _section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</table>", start)]


def test_ranking_page_shows_three_groups(world, page_as, make_user) -> None:
    p = _ranked(world)
    desk = page_as(world.secretariat)
    html = desk.get("/ranking").text
    ranked = _section(html, "ranking-complete")
    assert f'id="rank-{p["full"]}"' in ranked and f'id="rank-{p["single"]}"' in ranked
    assert "半分採点の提案" not in ranked and "未割当の提案" not in ranked
    assert ranked.index("採点完了の提案") < ranked.index("一人で完了の提案")
    incomplete = _section(html, "ranking-incomplete")
    row = incomplete[incomplete.index(f'id="incomplete-{p["half"]}"') :]
    row = row[: row.index("</tr>")]
    assert "1／2人" in row and "100.0点" in row and "ranking__rank" not in row
    assert "0／2人" in incomplete and "未採点の提案" in incomplete
    unassigned = _section(html, "ranking-unassigned")
    assert "未割当の提案" in unassigned and "辞退された提案" in unassigned
    assert f'href="/proposals/{p["unassigned"]}#reviewers-form"' in unassigned
    assert "決定済みの提案" not in html

    for user in (world.author, world.a, make_user(Role.supervisor, department=world.department)):
        assert page_as(user).get("/ranking").status_code == 403


def test_secretariat_home_lists_proposals_without_reviewers(
    world, page_as, make_user, session: Session
) -> None:
    p = _ranked(world)
    desk = page_as(world.secretariat)
    html = desk.get("/").text
    assert "審査委員が未割当" in html
    listed = _section(html, "home-unassigned")
    assert re.findall(r'id="home-unassigned-(\d+)"', listed) == [
        str(p["unassigned"]),
        str(p["recused"]),
    ]
    number = session.get(Proposal, p["unassigned"]).number
    assert number and number in listed
    assert f'href="/proposals/{p["unassigned"]}#reviewers-form"' in listed
    assert "半分採点の提案" not in listed and "未採点の提案" not in listed
    # The link leads to the assignment form, which the secretariat sees there.
    assert 'id="reviewers-form"' in desk.get(f"/proposals/{p['unassigned']}").text

    # Nobody else gets the list (the author, a reviewer, a supervisor, finance).
    supervisor = make_user(Role.supervisor, department=world.department)
    for user in (world.author, world.a, supervisor, make_user(Role.finance)):
        other = page_as(user).get("/")
        assert other.status_code == 200
        assert "home-unassigned" not in other.text and "審査委員が未割当" not in other.text

    # Once every such proposal has a reviewer, the list is gone.
    assign(world.sec, p["unassigned"], world.c)
    assign(world.sec, p["recused"], world.c)
    assert "home-unassigned" not in desk.get("/").text


def test_the_committees_packet_ranks_only_complete_scoring(world, page_as) -> None:
    p = _ranked(world)
    html = page_as(world.secretariat).get("/ranking/packet").text

    def cover_rank(pid: int) -> str:
        row = html[html.index(f'id="packet-row-{pid}"') :]
        return re.findall(r'<td class="num">([^<]*)</td>', row[: row.index("</tr>")])[0]

    def page_head(pid: int) -> str:
        page = html[html.index(f'id="packet-{pid}"') :]
        return page[: page.index("</p>")]

    assert [cover_rank(p["full"]), cover_rank(p["single"])] == ["1", "2"]
    assert "第1位" in page_head(p["full"]) and "第2位" in page_head(p["single"])
    assert cover_rank(p["half"]) == "順位なし（採点中 1／2人）"
    assert "順位なし（採点中 1／2人）" in page_head(p["half"]) and "位" not in page_head(
        p["half"]
    ).replace("順位なし", "")
    assert cover_rank(p["unassigned"]) == "順位なし（審査委員が未割当）"
    assert "順位なし（審査委員が未割当）" in page_head(p["recused"])
    order = [
        html.index(f'id="packet-row-{p[k]}"') for k in ("full", "single", "half", "unassigned")
    ]
    assert order == sorted(order)
