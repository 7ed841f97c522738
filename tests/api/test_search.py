"""Japanese full-text search (`GET /api/v1/proposals?q=`) and similar-proposal hints
(`GET /api/v1/proposals/similar`), on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm)."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from app.models import User
from app.models.enums import Role
from app.services.similar import THRESHOLD

TEXTS = ("summary", "current_situation", "proposal_text", "expected_effect")


def propose(api: TestClient, title: str, **texts: str) -> dict:
    body = {"title": title} | {name: texts.get(name, "記載なし") for name in TEXTS}
    response = api.post("/api/v1/proposals", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def submit(api: TestClient, proposal: dict) -> dict:
    response = api.post(f"/api/v1/proposals/{proposal['id']}/submit", json={})
    assert response.status_code == 200, response.text
    return response.json()


def search(api: TestClient, q: str) -> list[str]:
    response = api.get("/api/v1/proposals", params={"q": q, "limit": 200})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return sorted(item["title"] for item in body["items"])


def similar(api: TestClient, title: str, **params) -> list[dict]:
    response = api.get("/api/v1/proposals/similar", params={"title": title, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


@pytest.fixture
def author(make_user) -> User:
    return make_user(name="提案 太郎")


@pytest.fixture
def api(api_as, author) -> TestClient:
    return api_as(author)


WINDOW = "窓口業務のRPA化"
LIGHTS = "庁舎照明のLED化"
PAPER = "会議資料のペーパーレス化"


@pytest.fixture
def corpus(api: TestClient) -> None:
    propose(api, WINDOW, summary="住民課の窓口で受け付けた申請の入力をロボットで自動化する。")
    propose(api, LIGHTS, summary="蛍光灯をやめて電気代を下げる。", expected_effect="年間30万円")
    propose(api, PAPER, proposal_text="タブレットで資料を配り、紙の印刷をなくす。")


def test_terms_of_one_two_and_more_characters(api: TestClient, corpus) -> None:
    assert search(api, "窓") == [WINDOW]
    assert search(api, "窓口") == [WINDOW]
    assert search(api, "窓口業務") == [WINDOW]
    assert search(api, "の") == sorted([WINDOW, LIGHTS, PAPER])
    assert search(api, "紙") == [PAPER]  # found in proposal_text
    assert search(api, "電気代") == [LIGHTS]  # found in summary
    assert search(api, "30万円") == [LIGHTS]  # found in expected_effect
    assert search(api, "ロボットで自動化") == [WINDOW]


def test_short_terms_at_the_very_end_of_a_text_and_in_short_texts(api: TestClient) -> None:
    # 1–2 character terms are served by an index (SQLite: the FTS trigrams beginning with
    # the term; PostgreSQL: bigrams), which must not miss a text's last characters.
    counter = propose(api, "住民窓口", summary="受付は窓")
    seal = propose(api, "印鑑", expected_effect="ｘＹ")  # the body ends with "xY"
    paper = propose(api, "紙")
    titles = {p["id"]: p["title"] for p in (counter, seal, paper)}
    assert search(api, "窓口") == [titles[counter["id"]]]
    assert search(api, "窓") == [titles[counter["id"]]]
    assert search(api, "口") == [titles[counter["id"]]]
    assert search(api, "印鑑") == [titles[seal["id"]]]
    assert search(api, "鑑") == [titles[seal["id"]]]
    assert search(api, "紙") == [titles[paper["id"]]]
    for q in ("xy", "XY", "ｘｙ", "y", "Y"):
        assert search(api, q) == [titles[seal["id"]]], q
    assert search(api, "x紙") == []
    assert search(api, "窓 印") == []


def test_a_page_past_the_end_still_counts_the_matches(api: TestClient, corpus) -> None:
    for sort in ("relevance", "updated"):
        body = api.get("/api/v1/proposals", params={"q": "の", "offset": 5, "sort": sort}).json()
        assert (body["total"], body["items"]) == (3, [])
        body = api.get("/api/v1/proposals", params={"q": "の", "limit": 2, "sort": sort}).json()
        assert (body["total"], len(body["items"])) == (3, 2)


def test_absent_terms_find_nothing(api: TestClient, corpus) -> None:
    assert search(api, "除雪") == []
    assert search(api, "窓口業務の効率化") == []
    assert search(api, "x") == []
    # Terms do not match across field boundaries (化 ends the title, 住民課 opens the
    # summary), though a word of the term may: 化住民 has the word 住民.
    assert search(api, "化住") == []
    assert search(api, "化住民") == [WINDOW]


def test_several_terms_are_all_required(api: TestClient, corpus) -> None:
    assert search(api, "窓口 自動化") == [WINDOW]
    assert search(api, "窓口　自動化") == [WINDOW]  # full-width space
    assert search(api, "化 の") == sorted([WINDOW, LIGHTS, PAPER])
    assert search(api, "窓口 照明") == []
    assert search(api, "照明 紙") == []
    assert search(api, "  ") == sorted([WINDOW, LIGHTS, PAPER])  # blank: no filter


def test_full_and_half_width_forms_and_case_match_each_other(api: TestClient) -> None:
    full = propose(api, "ＲＰＡでＡＩ－ＯＣＲを活用", summary="令和７年度に２０２５件を処理")
    kana = propose(api, "ﾃﾞｼﾞﾀﾙ化の推進", summary="ﾊﾟｿｺﾝを更新する")
    plain = propose(api, "デジタル窓口とrpa", summary="パソコン教室")
    assert search(api, "RPA") == sorted([full["title"], plain["title"]])
    assert search(api, "ｒｐａ") == sorted([full["title"], plain["title"]])
    assert search(api, "Rpa") == sorted([full["title"], plain["title"]])
    assert search(api, "ai-ocr") == [full["title"]]
    assert search(api, "Ai") == [full["title"]]  # two characters
    assert search(api, "2025") == [full["title"]]
    assert search(api, "7年度") == [full["title"]]
    assert search(api, "デジタル") == sorted([kana["title"], plain["title"]])
    assert search(api, "ﾃﾞｼﾞﾀﾙ") == sorted([kana["title"], plain["title"]])
    assert search(api, "パソコン") == sorted([kana["title"], plain["title"]])
    assert search(api, "ﾊﾟｿ") == sorted([kana["title"], plain["title"]])


def test_like_and_fts_syntax_is_taken_literally(api: TestClient, corpus) -> None:
    percent = propose(api, "達成率100%の目標")
    underscore = propose(api, "ファイル名はfile_nameの形式に")
    quote = propose(api, 'いわゆる"見える化"の徹底')
    star = propose(api, "重要項目に*印を付ける")
    capital_or = propose(api, "ORコードではなくQRコード")
    assert search(api, "%") == [percent["title"]]
    assert search(api, "0%の") == [percent["title"]]
    assert search(api, "100%") == [percent["title"]]
    assert search(api, "_") == [underscore["title"]]
    assert search(api, "e_n") == [underscore["title"]]
    assert search(api, "file_name") == [underscore["title"]]
    assert search(api, "e%n") == []
    assert search(api, '"') == [quote["title"]]
    assert search(api, '"見える化"') == [quote["title"]]
    assert search(api, '見える化"の') == [quote["title"]]
    # The word 窓口 is found (the analyser reads past the quote), the quote is no syntax.
    assert search(api, '"窓口') == [WINDOW]
    assert search(api, "*") == [star["title"]]
    assert search(api, "*印") == [star["title"]]
    assert search(api, "窓*") == []
    assert search(api, "OR") == [capital_or["title"]]
    assert search(api, "窓口 OR 照明") == []  # three terms, not a disjunction
    assert search(api, "窓口 AND 照明") == []
    assert search(api, "NEAR(窓口 照明)") == []
    assert search(api, "title:窓口") == []
    assert search(api, "\\") == []


def test_edits_and_deletes_are_reflected(api: TestClient, session: Session) -> None:
    proposal = propose(api, "窓口の混雑緩和", summary="番号札を導入する")
    assert search(api, "混雑緩和") == ["窓口の混雑緩和"]
    changed = api.patch(
        f"/api/v1/proposals/{proposal['id']}",
        json={"title": "窓口の待ち時間短縮", "summary": "予約システムを導入する"},
    )
    assert changed.status_code == 200, changed.text
    assert search(api, "混雑緩和") == []
    assert search(api, "番号札") == []
    assert search(api, "待ち時間") == ["窓口の待ち時間短縮"]
    assert search(api, "予約") == ["窓口の待ち時間短縮"]
    assert search(api, "待ち") == ["窓口の待ち時間短縮"]
    assert search(api, "混雑") == []
    # A change of state (no searched column) keeps it findable.
    submit(api, proposal)
    assert search(api, "待ち時間短縮") == ["窓口の待ち時間短縮"]
    session.execute(
        text("DELETE FROM proposal_event WHERE proposal_id = :id"), {"id": proposal["id"]}
    )
    session.execute(text("DELETE FROM proposal WHERE id = :id"), {"id": proposal["id"]})
    session.commit()
    assert search(api, "待ち時間") == []
    if session.get_bind().dialect.name == "sqlite":
        assert session.execute(text("SELECT count(*) FROM proposal_fts")).scalar() == 0


def test_search_shows_only_what_the_user_may_see(
    api: TestClient, api_as: Callable[[User], TestClient], make_user
) -> None:
    mine = propose(api, "窓口業務のRPA化")
    other = api_as(make_user())
    secretariat = api_as(make_user(Role.secretariat))
    theirs = propose(other, "窓口業務の電子申請化")
    assert search(api, "窓口業務") == ["窓口業務のRPA化"]
    assert search(other, "窓口業務") == ["窓口業務の電子申請化"]
    assert search(secretariat, "窓口業務") == []  # drafts stay with their authors
    submit(other, theirs)
    assert search(secretariat, "窓口業務") == ["窓口業務の電子申請化"]
    assert search(secretariat, "窓") == ["窓口業務の電子申請化"]
    assert search(api, "窓口業務") == ["窓口業務のRPA化"]
    assert search(api, "電子") == []
    assert mine["status"] == "draft"


# -- similar-proposal hints ---------------------------------------------------------------


def test_similar_ranks_a_near_duplicate_first_and_leaves_out_unrelated(
    api: TestClient, corpus
) -> None:
    propose(api, "窓口業務へのRPA導入")
    propose(api, "RPAによる窓口業務の自動化")
    propose(api, "道路補修の受付をオンライン化")
    hints = similar(api, "窓口業務のＲＰＡ化について")
    titles = [h["title"] for h in hints]
    assert set(titles) == {WINDOW, "窓口業務へのRPA導入", "RPAによる窓口業務の自動化"}
    similarities = [h["similarity"] for h in hints]
    assert similarities == sorted(similarities, reverse=True)
    assert all(THRESHOLD <= s <= 1 for s in similarities)
    first = hints[0]
    assert set(first) == {
        "id",
        "number",
        "title",
        "status",
        "fiscal_year",
        "fiscal_year_label",
        "similarity",
        "matched_words",
    }
    assert first["matched_words"][:2] == ["窓口", "RPA"]
    assert first["status"] == "draft" and first["number"] is None
    assert first["fiscal_year_label"].endswith("年度")
    assert similar(api, "除雪車の運行管理") == []
    assert similar(api, "庁舎照明のLED化")[0]["title"] == LIGHTS


def test_similar_excludes_the_proposal_being_edited_and_honours_limit(
    api: TestClient, corpus
) -> None:
    window = similar(api, WINDOW)[0]
    assert window["title"] == WINDOW
    assert [h["title"] for h in similar(api, WINDOW, exclude_id=window["id"])] == []
    for n in range(4):
        propose(api, f"窓口業務のRPA化（第{n + 2}案）")
    assert len(similar(api, WINDOW)) == 5
    response = api.get("/api/v1/proposals/similar", params={"title": WINDOW, "limit": 2})
    body = response.json()
    assert len(body["items"]) == 2 and body["total"] == 2
    assert body["limit"] == 2 and body["offset"] == 0


def test_similar_never_shows_other_peoples_drafts(
    api: TestClient, api_as: Callable[[User], TestClient], make_user
) -> None:
    other = api_as(make_user())
    secretariat = api_as(make_user(Role.secretariat))
    theirs = propose(other, "窓口業務のRPA化")
    assert similar(api, "窓口業務のRPA化") == []
    assert similar(secretariat, "窓口業務のRPA化") == []
    assert [h["id"] for h in similar(other, "窓口業務のRPA化")] == [theirs["id"]]
    submit(other, theirs)
    assert [h["id"] for h in similar(secretariat, "窓口業務のRPA化")] == [theirs["id"]]
    assert similar(api, "窓口業務のRPA化") == []


def test_similar_reads_the_texts_too(api: TestClient) -> None:
    plain = propose(api, "窓口の申請入力", summary="紙の申請書を職員が入力している。")
    detailed = propose(api, "窓口の申請入力", summary="申請入力のロボット化でRPA化を進める")
    # RPA is only in the detailed one's summary: it alone has all three words.
    assert [h["id"] for h in similar(api, "申請入力のRPA化")] == [detailed["id"]]
    # The query's own text counts as well: with it, the plain one is found first.
    hints = similar(api, "窓口の申請入力", text="紙の申請書を職員が手で入力している")
    assert [h["id"] for h in hints] == [plain["id"], detailed["id"]]
    assert hints[0]["similarity"] > hints[1]["similarity"]


def test_similar_validates_the_title(api: TestClient, client: TestClient, corpus) -> None:
    for params in ({}, {"title": ""}, {"title": " 　 "}, {"title": "あ" * 201}):
        response = api.get("/api/v1/proposals/similar", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    blank = api.get("/api/v1/proposals/similar", params={"title": "　"}).json()
    assert blank["errors"][0]["loc"] == ["query", "title"]
    assert api.get("/api/v1/proposals/similar", params={"title": "あ" * 200}).status_code == 200
    assert similar(api, "業務の効率化") == []  # generic words alone
    assert similar(api, "「・」") == []
    unauthenticated = client.get("/api/v1/proposals/similar", params={"title": WINDOW})
    assert unauthenticated.status_code == 401
    bad_id = api.get("/api/v1/proposals/similar", params={"title": WINDOW, "exclude_id": "x"})
    assert bad_id.status_code == 422
