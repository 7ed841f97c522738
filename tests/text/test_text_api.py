"""The Japanese text help through the API and the pages (docs/text.md): the issue's own
examples, outcomes shown, the index following edits, visibility role by role, the
initiative suggestion, and search that explains itself."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.models import Proposal, ProposalEvent, ProposalTerm, ProposalTermCount, User
from app.models.enums import Role, Status
from tests.helpers import proposal_in

API = "/api/v1"


def hints(api: TestClient, title: str, **params) -> list[dict]:
    response = api.get(f"{API}/proposals/similar", params={"title": title, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def suggestions(api: TestClient, text: str, **params) -> list[dict]:
    response = api.get(f"{API}/initiatives/suggest", params={"text": text, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


@pytest.fixture
def author(make_user) -> User:
    return make_user()


@pytest.fixture
def secretariat(make_user) -> User:
    return make_user(Role.secretariat)


def filed(session: Session, author: User, title: str, summary: str, status=Status.submitted):
    return proposal_in(
        session,
        status,
        author=author,
        title=title,
        summary=summary,
        current_situation="",
        proposal_text="",
        expected_effect="",
    )


def test_a_paraphrase_is_found_and_generic_words_alone_are_not(
    session, author, secretariat, api_as
) -> None:
    seal = filed(session, author, "窓口申請書の押印を廃止する", "申請書の押印欄をなくす。")
    filed(session, author, "公用車予約のデジタル化", "公用車の予約をグループウェアで行う。")
    api = api_as(secretariat)
    found = hints(api, "押印の廃止")
    assert [h["id"] for h in found] == [seal.id]
    assert found[0]["matched_words"][:2] == ["押印", "廃止"]
    assert 0 < found[0]["similarity"] <= 1
    # 捺印 and 押印 are one synonym group in the dictionary.
    assert [h["id"] for h in hints(api, "申請書の捺印を廃止")] == [seal.id]
    # 〜のデジタル化 alone is no reason to call 公用車予約 similar.
    assert hints(api, "給食費徴収のデジタル化") == []
    assert hints(api, "業務のデジタル化") == []


def test_rejected_and_completed_proposals_are_shown_with_their_outcome(
    session, author, secretariat, api_as
) -> None:
    rejected = filed(
        session, author, "申請書への押印を全面的に廃止", "押印を廃止する。", status=Status.rejected
    )
    done = filed(
        session, author, "申請書の押印欄の削除", "押印欄を廃止した。", status=Status.completed
    )
    found = {h["id"]: h["status"] for h in hints(api_as(secretariat), "申請書の押印を廃止する")}
    assert found == {rejected.id: "rejected", done.id: "completed"}


def counts_agree(session: Session) -> bool:
    """proposal_term_count holds, per feature, exactly the proposals that have it."""
    live = dict(
        session.exec(select(ProposalTerm.term, func.count()).group_by(ProposalTerm.term)).all()
    )
    kept = {
        row.term: row.proposals
        for row in session.exec(select(ProposalTermCount)).all()
        if row.proposals
    }
    return bool(live) and live == kept


def test_the_index_follows_edits(session, author, api_as) -> None:
    api = api_as(author)
    created = api.post(
        f"{API}/proposals", json={"title": "公用車の予約台帳", "summary": "紙の台帳"}
    )
    pid = created.json()["id"]
    assert [h["id"] for h in hints(api, "公用車予約台帳の電子化")] == [pid]
    other = api.post(f"{API}/proposals", json={"title": "公用車の鍵の管理", "summary": "紙の台帳"})
    assert counts_agree(session)
    assert session.get(ProposalTermCount, "公用車").proposals == 2
    edited = api.patch(
        f"{API}/proposals/{pid}",
        json={"title": "除雪車の運行管理", "summary": "除雪の記録"},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert edited.status_code == 200, edited.text
    assert hints(api, "公用車予約台帳の電子化") == []
    assert [h["id"] for h in hints(api, "除雪車の運行記録")] == [pid]
    session.expire_all()
    assert counts_agree(session)
    assert session.get(ProposalTermCount, "公用車").proposals == 1
    terms = select(func.count()).select_from(ProposalTerm).where(ProposalTerm.proposal_id == pid)
    assert session.exec(terms).one() > 0
    session.exec(delete(ProposalEvent).where(col(ProposalEvent.proposal_id) == pid))
    session.delete(session.get(Proposal, pid))
    session.commit()
    assert session.exec(terms).one() == 0  # ON DELETE CASCADE
    session.expire_all()
    assert counts_agree(session)
    assert session.get(ProposalTermCount, "除雪車").proposals == 0
    assert other.status_code == 201


def test_hints_follow_visibility_role_by_role(
    session, author, secretariat, make_user, api_as
) -> None:
    draft = filed(session, author, "窓口申請書の押印を廃止する", "押印欄をなくす", Status.draft)
    outsider = make_user()
    reviewer = make_user(Role.reviewer)
    assert [h["id"] for h in hints(api_as(author), "押印の廃止")] == [draft.id]
    for other in (outsider, secretariat, reviewer):
        assert hints(api_as(other), "押印の廃止") == []


def test_initiative_suggestion_names_the_initiative_and_why(author, api_as) -> None:
    api = api_as(author)
    found = suggestions(api, "会議資料を紙で印刷して配っているのをタブレットでの閲覧に変える")
    assert found[0]["number"] == 10
    assert {"紙", "印刷", "タブレット"} & set(found[0]["matched_words"])
    assert set(found[0]) == {"initiative_id", "number", "title", "score", "matched_words"}
    assert 0 < found[0]["score"] <= 1 and len(found) <= 2
    assert sum(s["score"] for s in suggestions(api, "RPAで入力作業を自動化", limit=12)) <= 1.0001
    assert suggestions(api, "RPAで入力作業を自動化")[0]["number"] == 4
    assert suggestions(api, "高齢者向けのスマホ教室")[0]["number"] == 8
    assert suggestions(api, "ですます") == []  # nothing to go on


def test_text_help_validates_its_input(api_as, author, client) -> None:
    api = api_as(author)
    for path, params in (
        ("/proposals/similar", {"title": "押印", "text": "あ" * 1001}),
        ("/proposals/similar", {"title": ""}),
        ("/initiatives/suggest", {}),
        ("/initiatives/suggest", {"text": "　"}),
        ("/initiatives/suggest", {"text": "あ" * 1001}),
        ("/initiatives/suggest", {"text": "押印", "limit": 0}),
        ("/initiatives/suggest", {"text": "押印", "limit": 13}),
    ):
        response = api.get(API + path, params=params)
        assert response.status_code == 422, (path, params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"{API}/initiatives/suggest", params={"text": "押印"}).status_code == 401
    assert api.get(f"{API}/initiatives/1").status_code == 200  # not taken by /suggest


def test_search_ranks_by_relevance_explains_itself_and_sorts_by_date(
    session, author, secretariat, api_as
) -> None:
    in_title = filed(session, author, "押印の廃止", "来庁者の負担を減らす。")
    body_only = filed(session, author, "窓口の改善", "申請書の押印を廃止し、押印欄も削る。")
    printing = filed(session, author, "会議資料の削減", "印刷をやめてタブレットで見る。")
    api = api_as(secretariat)
    result = api.get(f"{API}/proposals", params={"q": "押印を廃止"}).json()
    assert [p["id"] for p in result["items"]] == [in_title.id, body_only.id]
    match = result["items"][1]["match"]
    assert "押印" in match["snippet"] and match["matched_words"][:2] == ["押印", "廃止"]
    newest = api.get(f"{API}/proposals", params={"q": "押印を廃止", "sort": "updated"}).json()
    assert [p["id"] for p in newest["items"]] == [body_only.id, in_title.id]
    # 1 character still works, and the snippet says why 会議資料 was found: 印 in 印刷.
    single = api.get(f"{API}/proposals", params={"q": "印"}).json()["items"]
    by_id = {p["id"]: p["match"] for p in single}
    assert set(by_id) == {body_only.id, in_title.id, printing.id}
    assert by_id[printing.id]["matched_words"] == ["印"]
    assert "印刷" in by_id[printing.id]["snippet"]
    plain = api.get(f"{API}/proposals").json()["items"]
    assert all(p["match"] is None for p in plain)
    assert api.get(f"{API}/proposals", params={"q": "押印", "sort": "x"}).status_code == 422


def test_pages_show_hints_suggestions_and_snippets(
    session, author, secretariat, page_as: Callable
) -> None:
    seal = filed(session, author, "窓口申請書の押印を廃止する", "申請書の押印欄をなくす。")
    page = page_as(author)
    hint = page.get("/proposals/similar-hint", params={"title": "押印の廃止"})
    assert hint.status_code == 200
    assert f'href="/proposals/{seal.id}"' in hint.text
    assert "<mark>押印</mark>" in hint.text and "<mark>廃止</mark>" in hint.text
    assert "共通する語" in hint.text
    assert page.get("/proposals/similar-hint", params={"title": "業務の効率化"}).text.strip() == ""
    suggestion = page.get(
        "/proposals/initiative-hint",
        params={"title": "会議資料のタブレット閲覧", "summary": "紙の印刷をやめる"},
    )
    assert "10. 業務のペーパーレス化" in suggestion.text and "手がかりの語" in suggestion.text
    form = page.get("/proposals/new").text
    assert 'hx-get="/proposals/initiative-hint"' in form and 'id="similar-hint"' in form
    listing = page_as(secretariat).get("/proposals", params={"q": "押印"}).text
    assert '<p class="snippet">' in listing and "<mark>押印</mark>" in listing
    assert "関連度順" in listing
    queue = page_as(secretariat).get("/intake")
    assert queue.status_code == 200


def test_reindex_text_rebuilds_what_a_bulk_load_bypassed(
    session, author, secretariat, api_as, monkeypatch, settings, capsys
) -> None:
    """`python -m app reindex-text`: rows written around the application get their words."""
    from app import __main__ as cli
    from app.config import get_settings

    seal = filed(session, author, "窓口申請書の押印を廃止する", "申請書の押印欄をなくす。")
    session.exec(delete(ProposalTerm))
    session.exec(delete(ProposalTermCount))
    session.commit()
    api = api_as(secretariat)
    assert hints(api, "押印の廃止") == []
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key or "")
    get_settings.cache_clear()
    try:
        assert cli.main(["reindex-text"]) == 0
    finally:
        get_settings.cache_clear()
    assert "analysed the texts of 1 proposals" in capsys.readouterr().out
    assert [h["id"] for h in hints(api, "押印の廃止")] == [seal.id]
    assert counts_agree(session)


def test_as_many_hints_as_asked_for(session, author, secretariat, api_as) -> None:
    """`limit` up to 20 is honoured (more than the dozen candidates scored by default)."""
    for n in range(15):
        filed(session, author, f"窓口申請書の押印を廃止する（{n + 1}）", "申請書の押印欄をなくす。")
    api = api_as(secretariat)
    assert len(hints(api, "申請書の押印の廃止", limit=15)) == 15
    assert len(hints(api, "申請書の押印の廃止")) == 5
