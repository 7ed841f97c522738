"""The review packet's world and its PDF's expected text, for the page tests
(tests/pages/test_paper_pages.py) and the API's (tests/api/test_review_packet.py)."""

import re
from datetime import timedelta
from types import SimpleNamespace

from app.models.enums import Role
from app.wareki import today_jst
from tests.api.review_support import assign, in_review, score
from tests.helpers import pdf_fonts, pdf_text
from tests.security.review_setup import API, AUTHOR, AUTHOR_DEPARTMENT, TITLE, ok


def packet_world(make_user, make_department, api_as, page_as) -> SimpleNamespace:
    """A theme round with two proposals and the standing round with one, all in review and
    scored through the API: in the round, 「議事録作成の自動化」 80.0; 「窓口予約システムの導入」
    70.0 with 要協議 (100 and 40); in the standing round 「公用車予約の電子化」 60.0."""
    author = make_user(name=AUTHOR, department=make_department(name=AUTHOR_DEPARTMENT))
    clerk = make_user(Role.secretariat, name="事務局員")
    one, two = (make_user(Role.reviewer, name=f"審査委員{n}") for n in (1, 2))
    author_api, sec = api_as(author), api_as(clerk)
    today = today_jst()
    round_ = ok(
        sec.post(
            f"{API}/rounds",
            json={
                "title": "第2回 窓口改善",
                "starts_on": (today - timedelta(days=1)).isoformat(),
                "ends_on": (today + timedelta(days=30)).isoformat(),
            },
        ),
        201,
    ).json()
    flagged = in_review(author_api, sec, title=TITLE, round_id=round_["id"])
    best = in_review(
        author_api,
        sec,
        title="議事録作成の自動化",
        round_id=round_["id"],
        summary="音声から議事録を作る",
    )
    standing = in_review(author_api, sec, title="公用車予約の電子化")
    assign(sec, flagged, one, two)
    assign(sec, best, one)
    assign(sec, standing, one)
    reviewer_one, reviewer_two = api_as(one), api_as(two)
    score(reviewer_one, flagged, 5, 5, 5, 5, 5, 5)
    score(reviewer_two, flagged, 2, 2, 2, 2, 2, 2)
    score(reviewer_one, best, 4, 4, 4, 4, 4, 4)
    score(reviewer_one, standing, 3, 3, 3, 3, 3, 3)
    return SimpleNamespace(
        author=author,
        clerk=clerk,
        reviewers=(one, two),
        round=round_,
        flagged=flagged,
        best=best,
        standing=standing,
        page=page_as,
        api=api_as,
    )


def assert_packet_pdf(content: bytes, w: SimpleNamespace) -> None:
    """The round's packet as text read back from the PDF: the cover, then one page each."""
    pages = [re.sub(r"\s+", "", text) for text in pdf_text(content)]
    assert len(pages) == 3
    cover, first, second = pages
    assert "審査資料" in cover and "審査対象提案の一覧" in cover
    assert "順位番号件名合計点要協議" in cover
    assert "議事録作成の自動化" in cover and "窓口予約システムの導入" in cover
    assert cover.count("要協議") == 2 + 1  # the heading, the flagged row, the note
    assert "第1位" in first and "議事録作成の自動化" in first and "要協議" not in first
    assert "第2位" in second and TITLE in second and "要協議" in second
    assert "効果性303.5021.0" in second and "70.0点" in second
    assert "公用車予約の電子化" not in "".join(pages)
    fonts = pdf_fonts(content)
    japanese = [name for name in fonts if "CJK-JP" in name]
    assert japanese and all(fonts[name] for name in japanese), fonts
