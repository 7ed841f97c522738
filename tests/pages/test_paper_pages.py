"""Papers (issue 17): a proposal printed as 様式第1号, and the committee's review packet
(審査資料) as a page to print and as a PDF made on the server — driven through the real
flow (written, submitted, opinion, accepted, reviewers scoring) and read role by role."""

import re
from types import SimpleNamespace
from urllib.parse import unquote

import pytest

from app.models.enums import Role
from app.wareki import fiscal_year_label, today_jst
from tests.api.review_support import draft
from tests.paper_support import assert_packet_pdf, packet_world
from tests.security.review_setup import (
    API,
    AUTHOR,
    AUTHOR_DEPARTMENT,
    CO_AUTHOR,
    CO_AUTHOR_DEPARTMENT,
    SUPERVISOR,
    TITLE,
    ok,
    review_world,
)

NAMES = (AUTHOR, AUTHOR_DEPARTMENT, CO_AUTHOR, CO_AUTHOR_DEPARTMENT, SUPERVISOR)
OPINION = "実現性が高い提案です。"


def print_css(client) -> str:
    response = client.get("/static/css/print.css")
    assert response.status_code == 200
    return response.text


def between(html: str, start: str, end: str) -> str:
    part = html[html.index(start) :]
    return part[: part.index(end)]


# -- 様式第1号 ---------------------------------------------------------------------------------


@pytest.fixture
def world(make_user, make_department, api_as, page_as) -> SimpleNamespace:
    world = review_world(make_user, make_department, api_as)
    world.page = page_as
    return world


def test_form1_lays_out_the_regulations_fields_for_the_author(world, page_as) -> None:
    page = page_as(world.author)
    detail = page.get(f"/proposals/{world.pid}").text
    assert f'href="/proposals/{world.pid}/print"' in detail and "様式第1号で印刷" in detail

    response = page.get(f"/proposals/{world.pid}/print")
    assert response.status_code == 200
    html = response.text
    proposal = ok(world.sec.get(f"{API}/proposals/{world.pid}")).json()
    assert "様式第1号" in html and "業務改善提案書" in html
    assert between(html, 'id="form1-number">', "</td>") == f'id="form1-number">{proposal["number"]}'
    submitted = between(html, 'id="form1-submitted">', "</td>")
    assert "令和" in submitted and "年" in submitted and "日" in submitted
    people = between(html, 'id="form1-people"', "</table>")
    author_row = between(people, '<td class="form1__role">提案者</td>', "</tr>")
    assert AUTHOR in author_row and AUTHOR_DEPARTMENT in author_row
    co_row = between(people, '<td class="form1__role">共同提案者</td>', "</tr>")
    assert CO_AUTHOR in co_row and CO_AUTHOR_DEPARTMENT in co_row
    assert TITLE in html and "その他" in html  # 件名 and 分野 (the default category)
    for text in ("窓口の受付を予約制にする", "窓口が混雑している", "オンライン予約を導入する"):
        assert text in html
    assert "待ち時間の短縮" in html  # 期待される効果
    opinion = between(html, 'id="form1-opinion"', "</td>")
    assert OPINION in opinion and SUPERVISOR in opinion and "form1__write-in" not in opinion
    stamps = between(html, 'id="form1-stamps"', "</table>")
    assert [*re.findall(r'<th scope="col">([^<]+)</th>', stamps)] == [
        "課長",
        "課長補佐",
        "係長",
        "担当",
    ]
    assert stamps.count('<td class="stamps__box"></td>') == 4
    # A page of its own, A4 portrait on paper, without the site's menu.
    assert 'href="/static/css/print.css' in html and 'class="site-nav"' not in html
    css = print_css(page)
    assert re.search(r"@page\s*{[^}]*size:\s*A4 portrait", css)
    assert "Noto Serif CJK JP" in css and ".paper-bar { display: none; }" in css


def test_form1_leaves_the_opinion_box_empty_to_write_in(world, page_as) -> None:
    author_api = world.author_api
    pid = draft(author_api, title="公用車予約の電子化", estimated_cost_yen=120000)
    html = page_as(world.author).get(f"/proposals/{pid}/print").text
    opinion = between(html, 'id="form1-opinion"', "</td>")
    assert "form1__write-in" in opinion and "所属長" in opinion
    assert OPINION not in html and SUPERVISOR not in html
    assert between(html, 'id="form1-number">', "</td>") == 'id="form1-number">'  # no number yet
    assert between(html, 'id="form1-submitted">', "</td>") == 'id="form1-submitted">'
    assert "120,000円" in html  # 経費 of the estimated effects and costs


def test_form1_is_for_whoever_may_see_the_proposal(
    world, page_as, make_user, make_department
) -> None:
    pid, path = world.pid, f"/proposals/{world.pid}/print"
    # Those who see the proposal get the form with the names.
    for who in (world.author, world.co_author, world.supervisor, world.secretariat):
        response = page_as(who).get(path)
        assert response.status_code == 200, who.name
        assert AUTHOR in response.text and TITLE in response.text
    # Colleagues from elsewhere, finance and an unassigned reviewer: as if it did not exist.
    for who in (
        make_user(name="他課職員"),
        make_user(Role.finance, name="財政担当"),
        make_user(Role.reviewer, name="別の審査委員"),
        make_user(Role.supervisor, name="他課の課長", department=make_department()),
    ):
        response = page_as(who).get(path)
        assert response.status_code == 404, who.name
        assert TITLE not in response.text and AUTHOR not in response.text
    # A draft stays with its authors, even for the secretariat.
    hidden = draft(world.author_api, title="下書きの提案")
    assert page_as(world.secretariat).get(f"/proposals/{hidden}/print").status_code == 404
    assert page_as(world.author).get(f"/proposals/{hidden}/print").status_code == 200
    # Signed out: to the sign-in page.
    anonymous = page_as(world.author)
    anonymous.post_form("/logout")
    gone = anonymous.get(path, follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login?next=")
    assert pid


def test_form1_under_blind_review_names_nobody(world, page_as) -> None:
    response = page_as(world.reviewers[0]).get(f"/proposals/{world.pid}/print")
    assert response.status_code == 200
    html = response.text
    assert TITLE in html and OPINION in html  # the form and the opinion's text are there
    assert [name for name in NAMES if name in html] == []
    assert "匿名審査のため、提案者と所属は記載していません。" in html


# -- the review packet ------------------------------------------------------------------------


@pytest.fixture
def packet(make_user, make_department, api_as, page_as) -> SimpleNamespace:
    return packet_world(make_user, make_department, api_as, page_as)


def test_the_packet_prints_the_rounds_ranking_with_a_page_per_proposal(packet) -> None:
    w = packet
    desk = w.page(w.clerk)
    ranking = desk.get("/ranking", params={"round_id": w.round["id"]}).text
    links = between(ranking, 'id="ranking-packet"', "</p>")
    assert f'href="/ranking/packet?round_id={w.round["id"]}"' in links
    assert f'href="/ranking/packet.pdf?round_id={w.round["id"]}"' in links

    response = desk.get("/ranking/packet", params={"round_id": w.round["id"]})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    cover = between(html, 'id="packet-cover"', "</section>")
    assert "審査資料" in cover and "第2回 窓口改善" in cover and "審査対象提案の一覧" in cover
    assert re.findall(r"<th scope=\"col\">([^<]+)</th>", cover) == [
        "順位",
        "番号",
        "件名",
        "合計点",
        "要協議",
    ]
    # Ranking order, the standing round's proposal left out.
    assert cover.index("議事録作成の自動化") < cover.index(TITLE)
    assert "公用車予約の電子化" not in html
    best_row = between(cover, f'id="packet-row-{w.best}"', "</tr>")
    flagged_row = between(cover, f'id="packet-row-{w.flagged}"', "</tr>")
    assert '<td class="num">1</td>' in best_row and "80.0点" in best_row
    assert "要協議" not in best_row
    assert '<td class="num">2</td>' in flagged_row and "70.0点" in flagged_row
    assert "要協議" in flagged_row
    # One page each, after the cover, with the scores by criterion.
    assert html.count('class="sheet packet-page"') == 2
    flagged_page = between(html, f'id="packet-{w.flagged}"', "</section>")
    assert "第2位" in flagged_page and "要協議" in flagged_page and TITLE in flagged_page
    assert "窓口の受付を予約制にする" in flagged_page  # the summary
    effect = between(flagged_page, '<th scope="row">効果性</th>', "</tr>")
    assert re.findall(r'<td class="num">([^<]+)</td>', effect) == ["30", "3.50", "21.0"]
    assert "70.0点" in between(flagged_page, "<tfoot>", "</tfoot>")
    best_page = between(html, f'id="packet-{w.best}"', "</section>")
    assert "音声から議事録を作る" in best_page and "要協議" not in best_page
    assert "1／1人" in best_page
    # Nobody's name: the committee reads the proposals, not who wrote them.
    assert AUTHOR not in html and AUTHOR_DEPARTMENT not in html
    assert f'href="/ranking/packet.pdf?round_id={w.round["id"]}"' in html
    css = print_css(desk)
    assert "page-break-before: always" in css and "size: A4 portrait" in css


def test_the_packet_of_a_fiscal_year_and_by_default(packet) -> None:
    w = packet
    desk = w.page(w.clerk)
    year = today_jst().year if today_jst().month >= 4 else today_jst().year - 1
    for params in ({"fiscal_year": year}, {}):
        html = desk.get("/ranking/packet", params=params).text
        cover = between(html, 'id="packet-cover"', "</section>")
        assert fiscal_year_label(year) in cover
        titles = ("議事録作成の自動化", TITLE, "公用車予約の電子化")
        assert [cover.index(t) for t in titles] == sorted(cover.index(t) for t in titles)
        assert html.count('class="sheet packet-page"') == 3
    empty = desk.get("/ranking/packet", params={"fiscal_year": year - 3}).text
    assert "審査中の提案はありません。" in empty and 'class="sheet packet-page"' not in empty


def test_the_packet_is_the_secretariats(packet, make_user) -> None:
    w = packet
    others = (
        w.author,
        w.reviewers[0],
        make_user(Role.supervisor),
        make_user(Role.finance),
        make_user(Role.admin),
    )
    for who in others:
        page = w.page(who)
        for path in ("/ranking/packet", "/ranking/packet.pdf"):
            response = page.get(path, params={"round_id": w.round["id"]})
            assert response.status_code == 403, (who.name, path)
            assert TITLE not in response.text
    anonymous = w.page(w.clerk)
    anonymous.post_form("/logout")
    assert anonymous.get("/ranking/packet", follow_redirects=False).status_code == 303
    assert anonymous.get("/ranking/packet.pdf", follow_redirects=False).status_code == 303


def test_the_packet_pdf_is_made_on_the_server_with_a_japanese_font(packet) -> None:
    w = packet
    response = w.page(w.clerk).get("/ranking/packet.pdf", params={"round_id": w.round["id"]})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == f"審査資料_第2回_窓口改善_{today_jst().isoformat()}.pdf"
    assert_packet_pdf(response.content, w)
