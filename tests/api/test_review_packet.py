"""GET /api/v1/reviews/packet.pdf (issue 17): the committee's review packet as a PDF made
on the server, for the secretariat only; the text read back from the file."""

from types import SimpleNamespace
from urllib.parse import unquote

import pytest

from app.models.enums import Role
from app.wareki import fiscal_year_label, today_jst
from tests.helpers import pdf_text
from tests.paper_support import assert_packet_pdf, packet_world
from tests.security.review_setup import API, TITLE

PACKET = f"{API}/reviews/packet.pdf"


@pytest.fixture
def packet(make_user, make_department, api_as, page_as) -> SimpleNamespace:
    return packet_world(make_user, make_department, api_as, page_as)


def test_the_secretariat_downloads_the_rounds_packet(packet) -> None:
    response = packet.api(packet.clerk).get(PACKET, params={"round_id": packet.round["id"]})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    ascii_name = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert ascii_name.isascii() and ascii_name.endswith(".pdf")
    name = unquote(disposition.split("filename*=UTF-8''", 1)[1])
    assert name == f"審査資料_第2回_窓口改善_{today_jst().isoformat()}.pdf"
    assert_packet_pdf(response.content, packet)


def test_the_fiscal_years_packet_is_the_default(packet) -> None:
    api = packet.api(packet.clerk)
    today = today_jst()
    year = today.year if today.month >= 4 else today.year - 1
    for params in ({"fiscal_year": year}, {}):
        response = api.get(PACKET, params=params)
        assert response.status_code == 200
        pages = ["".join(text.split()) for text in pdf_text(response.content)]
        assert len(pages) == 4 and fiscal_year_label(year) in pages[0]
        assert ["第1位" in pages[1], "第2位" in pages[2], "第3位" in pages[3]] == [True] * 3
        assert "公用車予約の電子化" in pages[3]
        name = unquote(response.headers["content-disposition"].split("UTF-8''", 1)[1])
        assert name == f"審査資料_{fiscal_year_label(year)}_{today.isoformat()}.pdf"


def test_nobody_but_the_secretariat_gets_it(packet, make_user) -> None:
    others = (packet.author, packet.reviewers[0], make_user(Role.supervisor),
              make_user(Role.finance), make_user(Role.admin))  # fmt: skip
    for who in others:
        response = packet.api(who).get(PACKET, params={"round_id": packet.round["id"]})
        assert response.status_code == 403, who.name
        assert response.headers["content-type"] == "application/problem+json"
        assert TITLE not in response.text
    anonymous = packet.api(packet.clerk)
    del anonymous.headers["Authorization"]
    assert anonymous.get(PACKET).status_code == 401


def test_an_unknown_round_or_a_bad_year_is_422(packet) -> None:
    api = packet.api(packet.clerk)
    unknown = api.get(PACKET, params={"round_id": 999_999})
    assert unknown.status_code == 422
    assert unknown.headers["content-type"] == "application/problem+json"
    assert api.get(PACKET, params={"fiscal_year": 1999}).status_code == 422
    # Refused before the filters are read: 403 wins over 422.
    assert packet.api(packet.author).get(PACKET, params={"fiscal_year": 1999}).status_code == 403


def test_without_pango_the_pdf_is_503_and_the_rest_works(packet, monkeypatch) -> None:
    """WeasyPrint is imported when a PDF is made: a server without Debian's pango starts and
    serves everything, and says what to install when asked for the PDF."""
    import builtins

    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):
        if name.startswith("weasyprint"):
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pango)
    response = packet.api(packet.clerk).get(PACKET)
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "libpango-1.0-0" in response.json()["detail"]
    assert packet.page(packet.clerk).get("/ranking/packet").status_code == 200
