"""The message catalogue: every UI string has its English translation, Japanese is the
default, and the language switch works on pages and Accept-Language on the API."""

import re
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from app.config import BASE_DIR
from app.i18n import choose_locale
from tests.conftest import PageClient

PLACEHOLDER = re.compile(r"%\(\w+\)s")
# The same keywords as `make messages`.
KEYWORDS = ["N_", "field:2", "NotFound", "Forbidden", "Invalid"]


def extract(tmp_path: Path) -> set[str]:
    output = tmp_path / "messages.pot"
    args = ["pybabel", "-q", "extract", "-F", str(BASE_DIR / "babel.cfg"), "-o", str(output)]
    for keyword in KEYWORDS:
        args += ["-k", keyword]
    CommandLineInterface().run([*args, str(BASE_DIR)])
    with output.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def english_catalogue():
    with (BASE_DIR / "app/locale/en/LC_MESSAGES/messages.po").open("rb") as handle:
        return read_po(handle, locale="en")


def test_every_ui_string_has_an_english_translation(tmp_path: Path) -> None:
    msgids = extract(tmp_path)
    assert len(msgids) > 100
    catalogue = english_catalogue()
    missing = sorted(m for m in msgids if not (catalogue.get(m) and catalogue.get(m).string))
    assert missing == [], "run `make messages` and translate these"
    for message in catalogue:
        if message.id:
            assert not message.fuzzy, message.id
            # A plural message: each English form keeps the Japanese placeholders.
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for string in strings:
                assert sorted(PLACEHOLDER.findall(ids[0])) == sorted(PLACEHOLDER.findall(string)), (
                    message.id
                )


def test_counts_are_plural_in_english(page_as, make_user) -> None:
    """「1件」 is "1 item", 「2件」 "2 items" — not "1 items"."""
    page: PageClient = page_as(make_user())
    page.post_form("/lang", {"lang": "en", "next": "/proposals"})
    assert '<p class="count">0 items</p>' in page.get("/proposals").text
    page.refresh_csrf("/proposals/new")
    created = page.post_form(
        "/proposals/new", {"title": "Only one", "category": "other", "idempotency_key": "k1"}
    )
    assert created.status_code in (303, 200), created.text
    assert '<p class="count">1 item</p>' in page.get("/proposals?mine=true").text


def test_choose_locale() -> None:
    assert choose_locale(None, None, "ja") == "ja"
    assert choose_locale("en", "ja", "ja") == "en"
    assert choose_locale(None, "en-US,en;q=0.9", "ja") == "en"
    assert choose_locale("fr", "fr-FR", "ja") == "ja"


def test_pages_are_japanese_by_default_and_switch_to_english(page_as, make_user) -> None:
    page: PageClient = page_as(make_user(name="山田 花子"))
    japanese = page.get("/", headers={"Accept-Language": "en-US"}).text
    assert "山田 花子さんのホーム" in japanese and '<html lang="ja">' in japanese
    switched = page.post_form("/lang", {"lang": "en", "next": "/initiatives"})
    assert switched.status_code == 303 and switched.headers["location"] == "/initiatives"
    english = page.get("/").text
    assert '<html lang="en">' in english
    assert "山田 花子's home" in english
    assert "ホーム" not in english.split("<main")[0]  # the header and menu are English
    back = page.post_form("/lang", {"lang": "ja", "next": "/"})
    assert back.status_code == 303
    assert "山田 花子さんのホーム" in page.get("/").text


def test_api_errors_follow_accept_language(client) -> None:
    japanese = client.get("/api/v1/users/me").json()["detail"]
    english = client.get("/api/v1/users/me", headers={"Accept-Language": "en"}).json()["detail"]
    assert japanese == "ログインしてください。"
    assert english != japanese and english.isascii()


def test_default_rubric_and_awards_read_in_english(page_as, make_user) -> None:
    """The default rubric's wording and the default award names are the catalogue's; in
    English mode they are translated (a rubric the town rewrites is shown as written)."""
    from app.templating import award_label, data_text

    page: PageClient = page_as(make_user("secretariat"))
    assert "効果性" in page.get("/rubric").text
    page.post_form("/lang", {"lang": "en", "next": "/rubric"})
    english = page.get("/rubric").text
    assert '<th scope="row">Effectiveness<br>' in english and "Excellent" in english
    # The form that edits the rubric keeps the stored wording as written.
    assert 'value="効果性"' in english
    from app.i18n import set_locale

    set_locale("en")
    try:
        assert data_text("最優秀賞") == "Grand prize"
        assert data_text("町長賞") == "町長賞"  # a town's own name stays as set
        assert award_label({"request": None}, "grand") == "Grand prize"
    finally:
        set_locale("ja")
    assert data_text("最優秀賞") == "最優秀賞"
