"""Proposal pages: the form (with full-width numbers and inline errors), the detail page
and its buttons from allowed_actions, the intake queue, and that they share the service
with the API."""

from sqlmodel import Session, select

from app.models import Proposal, Round
from app.models.enums import Role, Status
from tests.conftest import PageClient
from tests.helpers import COMPLETE, proposal_in


def form(**fields) -> dict:
    return {
        "title": "庁内文書の電子化",
        "kind": "improvement",
        "category": "efficiency",
        **COMPLETE,
        **fields,
    }


def test_new_proposal_through_the_form(page_as, make_user, session: Session) -> None:
    author = make_user()
    colleague = make_user(name="共同 次郎")
    page: PageClient = page_as(author)
    new = page.get("/proposals/new")
    assert new.status_code == 200
    assert "新規提案" in new.text and "共同 次郎" in new.text
    assert "事務事業の改善及び能率向上" in new.text  # the regulation's fields
    assert "1. 自治体の情報システムの標準化・共通化" in new.text
    response = page.post_form(
        "/proposals/new",
        form(
            initiative_id="10",
            co_author_ids=[str(colleague.id)],
            estimated_cost_yen="１，２００円",
            estimated_hours_saved_per_year_hours="１２０時間",
            estimated_savings_yen_per_year="３０万円",
        ),
    )
    assert response.status_code == 303, response.text
    proposal = session.exec(select(Proposal).where(Proposal.title == "庁内文書の電子化")).one()
    assert response.headers["location"] == f"/proposals/{proposal.id}"
    assert proposal.estimated_cost_yen == 1200
    assert proposal.estimated_hours_saved_per_year_hours == 120
    assert proposal.estimated_savings_yen_per_year == 300_000
    assert proposal.co_author_ids == [colleague.id] and proposal.initiative_id == 10
    detail = page.get(f"/proposals/{proposal.id}").text
    assert "下書きを保存しました" in detail
    assert "1,200円" in detail and "300,000円" in detail and "120時間" in detail
    assert 'id="action-submit"' in detail and 'id="action-accept"' not in detail
    # A draft is discarded (破棄), not withdrawn: nobody else has seen it.
    assert 'id="action-discard"' in detail and 'id="action-withdraw"' not in detail


def test_form_errors_are_inline_in_japanese_and_write_nothing(page_as, make_user, session) -> None:
    page: PageClient = page_as(make_user())
    response = page.post_form(
        "/proposals/new",
        form(title="", estimated_cost_yen="たくさん", initiative_id="99"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    html = response.text
    assert html.lstrip().startswith("<form")
    assert 'id="e-title"' in html and 'id="e-estimated_cost_yen"' in html
    assert "金額は数字で入力してください（例: 50000、５万）。" in html
    assert session.exec(select(Proposal)).first() is None
    # A service-level rule (unknown initiative) also comes back inline.
    unknown = page.post_form("/proposals/new", form(initiative_id="99"))
    assert unknown.status_code == 422
    assert "指定されたDX取組みが見つかりません。" in unknown.text
    assert session.exec(select(Proposal)).first() is None


def test_submit_from_the_detail_page_then_secretariat_accepts_from_the_queue(
    page_as, make_user, session
) -> None:
    author = make_user(name="提案 花子")
    clerk = make_user(Role.secretariat)
    proposal = proposal_in(session, Status.draft, author=author, title="公用車の予約を電子化")
    page: PageClient = page_as(author)
    submitted = page.post_form(f"/proposals/{proposal.id}/actions/submit", {"version": "1"})
    assert submitted.status_code == 303
    assert "提出しました" in page.get(f"/proposals/{proposal.id}").text

    desk: PageClient = page_as(clerk)
    queue = desk.get("/intake")
    assert queue.status_code == 200
    assert "公用車の予約を電子化" in queue.text and "提案 花子" in queue.text
    blank = desk.post_form(
        f"/proposals/{proposal.id}/actions/return", {"reason": " ", "next": "/intake"}
    )
    assert blank.status_code == 303 and blank.headers["location"] == "/intake"
    assert "理由を入力してください。" in desk.get("/intake").text
    accepted = desk.post_form(f"/proposals/{proposal.id}/actions/accept", {"next": "/intake"})
    assert accepted.status_code == 303
    session.expire_all()
    number = session.get(Proposal, proposal.id).number
    assert number and f"提案番号: {number}" in desk.get("/intake").text
    detail = page.get(f"/proposals/{proposal.id}").text
    assert number in detail and "審査中" in detail
    assert "受理" in detail and "提出" in detail  # the timeline


def test_stale_version_on_a_page_action_is_refused(page_as, make_user, session) -> None:
    author = make_user()
    proposal = proposal_in(session, Status.draft, author=author)
    page: PageClient = page_as(author)
    page.post_form(f"/proposals/{proposal.id}/edit", form(title="改題", version="1"))
    stale = page.post_form(f"/proposals/{proposal.id}/actions/submit", {"version": "1"})
    assert stale.status_code == 303
    assert "他の人が先に更新しました" in page.get(f"/proposals/{proposal.id}").text
    session.expire_all()
    assert session.get(Proposal, proposal.id).status == "draft"


def test_change_through_the_api_shows_on_the_page(api_as, page_as, make_user, session) -> None:
    author = make_user()
    proposal = proposal_in(session, Status.draft, author=author)
    api_as(author).patch(f"/api/v1/proposals/{proposal.id}", json={"title": "API で改題した件名"})
    api_as(author).post(f"/api/v1/proposals/{proposal.id}/submit", json={})
    html = page_as(author).get(f"/proposals/{proposal.id}").text
    assert "API で改題した件名" in html and "提出済み" in html
    assert 'id="action-submit"' not in html and 'id="action-withdraw"' in html


def test_pages_hide_what_the_user_cannot_see(page_as, make_user, session) -> None:
    author = make_user()
    draft = proposal_in(session, Status.draft, author=author, title="ひみつの下書き")
    stranger: PageClient = page_as(make_user(Role.secretariat))
    assert stranger.get(f"/proposals/{draft.id}").status_code == 404
    assert "ひみつの下書き" not in stranger.get("/proposals").text
    assert stranger.get(f"/proposals/{draft.id}/edit").status_code == 404
    assert page_as(make_user()).get("/intake").status_code == 403


def test_list_page_filters_and_search(page_as, make_user, session) -> None:
    author = make_user()
    proposal_in(
        session, Status.adopted, author=author, title="窓口のキャッシュレス化", initiative_id=3
    )
    proposal_in(session, Status.adopted, author=author, title="除雪計画の見直し")
    page: PageClient = page_as(make_user())
    everything = page.get("/proposals").text
    assert "窓口のキャッシュレス化" in everything and "除雪計画の見直し" in everything
    searched = page.get(
        "/proposals", params={"q": "キャッシュレス"}, headers={"HX-Request": "true"}
    )
    assert searched.text.lstrip().startswith('<div id="results">')
    assert "窓口のキャッシュレス化" in searched.text and "除雪計画の見直し" not in searched.text
    by_initiative = page.get("/proposals", params={"initiative": "3"}).text
    assert "窓口のキャッシュレス化" in by_initiative and "除雪計画の見直し" not in by_initiative
    mine = page.get("/proposals?mine=true").text
    assert "まだ提案がありません" in mine


def test_list_page_two_keeps_the_filters_in_its_page_links(page_as, make_user, session) -> None:
    author = make_user()
    for n in range(21):  # one more than a page
        proposal_in(session, Status.adopted, author=author, title=f"窓口改善その{n:02d}")
    page: PageClient = page_as(make_user())
    second = page.get("/proposals", params={"q": "窓口", "page": "2"})
    assert second.status_code == 200
    assert second.text.count("窓口改善その") == 1
    # The link to page 1 keeps the search and drops this page's own number.
    assert 'href="/proposals?q=%E7%AA%93%E5%8F%A3&page=1"' in second.text


def test_supervisor_writes_an_opinion_on_the_page(page_as, make_user, make_department, session):
    home = make_department()
    author = make_user(department=home)
    boss = make_user(Role.supervisor, department=home)
    proposal = proposal_in(session, Status.submitted, author=author)
    page: PageClient = page_as(boss)
    html = page.get(f"/proposals/{proposal.id}").text
    assert "所属長として意見を書く" in html
    saved = page.post_form(f"/proposals/{proposal.id}/opinion", {"opinion": "ぜひ採用を"})
    assert saved.status_code == 303
    assert "ぜひ採用を" in page.get(f"/proposals/{proposal.id}").text
    assert "所属長として意見を書く" not in page_as(author).get(f"/proposals/{proposal.id}").text


def test_secretariat_creates_a_theme_round(page_as, make_user, session) -> None:
    page: PageClient = page_as(make_user(Role.secretariat))
    bad = page.post_form(
        "/rounds/new", {"title": "窓口DX", "starts_on": "2026-12-01", "ends_on": "2026-11-01"}
    )
    assert bad.status_code == 422 and "終了日は開始日以降にしてください。" in bad.text
    ok = page.post_form(
        "/rounds/new", {"title": "窓口DX", "starts_on": "2026-11-01", "ends_on": "2027-01-31"}
    )
    assert ok.status_code == 303
    theme = session.exec(select(Round).where(Round.title == "窓口DX")).one()
    assert theme.kind == "theme" and theme.fiscal_year == 2026
    assert page_as(make_user()).get("/rounds").status_code == 403


def test_attach_and_download_from_the_detail_page(page_as, make_user, session, settings) -> None:
    author = make_user()
    proposal = proposal_in(session, Status.draft, author=author)
    page: PageClient = page_as(author)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    uploaded = page.post(
        f"/proposals/{proposal.id}/attachments",
        data={"csrf_token": page.csrf, "version": "1"},
        files={"file": ("業務フロー.pdf", pdf, "application/pdf")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    html = page.get(f"/proposals/{proposal.id}").text
    assert "「業務フロー.pdf」を添付しました。" in html
    link = html.split('href="/api/v1/proposals/')[1].split('"')[0]
    download = page.get(f"/api/v1/proposals/{link}")
    assert download.content == pdf
    assert download.headers["content-disposition"].startswith("attachment;")
    refused = page.post(
        f"/proposals/{proposal.id}/attachments",
        data={"csrf_token": page.csrf},
        files={"file": ("virus.pdf", b"MZ\x90\x00binary", "application/pdf")},
        follow_redirects=False,
    )
    assert refused.status_code == 303
    assert "一致しません" in page.get(f"/proposals/{proposal.id}").text
    # Someone who cannot see the draft cannot fetch the file either.
    assert page_as(make_user()).get(f"/api/v1/proposals/{link}").status_code == 404


def test_home_says_what_is_waiting(page_as, make_user, make_department, session) -> None:
    home_dept = make_department()
    author = make_user(department=home_dept)
    clerk = make_user(Role.secretariat)
    boss = make_user(Role.supervisor, department=home_dept)
    proposal_in(session, Status.draft, author=author, title="下書きA")
    proposal_in(session, Status.returned, author=author, title="差戻しB")
    proposal_in(session, Status.submitted, author=author, title="提出C")
    author_home = page_as(author).get("/").text
    assert "書きかけの下書き" in author_home and "差し戻された提案" in author_home
    assert "下書きA" in author_home and "提出C" in author_home
    clerk_home = page_as(clerk).get("/").text
    assert "受付待ちの提案" in clerk_home and 'href="/intake"' in clerk_home
    assert "所属長意見を待っている提案" in page_as(boss).get("/").text
    assert "今、対応が必要なものはありません。" in page_as(make_user()).get("/").text
