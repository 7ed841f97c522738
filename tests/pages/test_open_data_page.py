"""The public /open-data page: no login, the licence, the downloads and a data dictionary
generated from the same field list as the files."""

import html

from app.services.open_data import FIELDS, TYPE_LABELS


def test_the_page_renders_without_login(client) -> None:
    response = client.get("/open-data", follow_redirects=False)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    text = response.text
    assert "オープンデータ" in text
    assert 'href="/api/v1/open-data/proposals.csv"' in text
    assert 'href="/api/v1/open-data/proposals.json"' in text
    assert "CC BY 4.0" in text
    assert 'href="https://creativecommons.org/licenses/by/4.0/deed.ja"' in text
    assert "336238_staff_proposals.csv" in text
    for status in ("adopted", "budgeted", "in_progress", "completed"):
        assert f"<code>{status}</code>" in text
    assert "ログアウト" not in text  # nobody is signed in


def test_the_dictionary_lists_every_field(client) -> None:
    text = client.get("/open-data").text
    table = text[text.index('id="open-data-fields"') :]
    table = table[: table.index("</table>")]
    rows = table.split('<tr id="field-')[1:]
    assert [row.split('"', 1)[0] for row in rows] == [f.name for f in FIELDS]
    for field, row in zip(FIELDS, rows, strict=True):
        cells = html.unescape(row)
        assert f"<code>{field.name}</code>" in cells
        assert f"<td>{field.label}</td>" in cells
        assert TYPE_LABELS[field.type] in cells
        assert field.description in cells
        assert f"<td>{field.example}</td>" in cells


def test_signed_in_users_see_it_with_their_menu(page_as, make_user) -> None:
    page = page_as(make_user())
    text = page.get("/open-data").text
    assert "ログアウト" in text
    assert 'id="open-data-fields"' in text
    assert 'href="/open-data" aria-current="page"' in text


def test_the_login_page_and_the_footer_link_it(client, page_as, make_user) -> None:
    assert 'href="/open-data"' in client.get("/login").text.split("<footer", 1)[0]
    footer = page_as(make_user()).get("/").text.split("<footer", 1)[1]
    assert 'href="/open-data"' in footer
