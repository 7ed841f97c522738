"""Issue 11, item 12: no one is named by inference from a small department.

Open data named each proposal's department, and `GET /api/v1/stats`, the dashboard and
the initiative pages gave proposers per department: for a one-person department that
names the author (of a proposal that may never have been published). Departments with
fewer active staff than SMALL_GROUP_MIN_STAFF (3) are now counted together as 「その他」
in the open data (JSON, CSV, and the dictionary the /open-data page shows) and in the
figures for everyone but the secretariat, who still sees each department apart.

The fixed year (YEAR), worked out by hand:

| department | active staff | proposals (not drafts) |
|---|---|---|
| 大きい課 | big1–big3 and the secretariat user: 4 | big1 adopted (initiative 1); big2's draft |
| 一人課ユニーク | solo: 1 | solo adopted (initiative 1, implemented by 一人課ユニーク), solo rejected |
| 二人課ユニーク | pair1, pair2: 2 | pair1 completed (initiative 1), pair2 submitted |

For a staff reader 「その他」 = 一人課 + 二人課: 4 proposals, 3 proposers, 3 staff,
participation 3 / 3 = 100.0%, 4 / 3 = 1.33 proposals a head, 2 adopted (solo's, pair1's
completed one), 1 completed; for initiative 1 alone: 2 proposals, 2 proposers, 2 adopted,
1 completed.
"""

import re
from types import SimpleNamespace

import pytest
from sqlmodel import Session

from app.models.enums import Role, Status
from tests.stats_data import YEAR, put

SOLO = "一人課ユニーク"
PAIR = "二人課ユニーク"
BIG = "大きい課"
STATS = "/api/v1/stats"
OPEN_JSON = "/api/v1/open-data/proposals.json"
OPEN_CSV = "/api/v1/open-data/proposals.csv"
NOTE = "在籍職員が3人未満の所属は"


@pytest.fixture
def year(session: Session, make_user, make_department) -> SimpleNamespace:
    big = make_department(BIG, code="B01")
    solo_department = make_department(SOLO, code="S01")
    pair_department = make_department(PAIR, code="P01")
    big1, big2, _big3 = (make_user(department=big) for _ in range(3))
    secretariat = make_user(Role.secretariat, department=big)
    solo = make_user(department=solo_department)
    pair1, pair2 = (make_user(department=pair_department) for _ in range(2))
    make_user(department=solo_department, is_active=False)  # gone: not counted as staff

    put(session, big1, Status.adopted, "大きい課の提案", initiative_id=1)
    put(session, big2, Status.draft, "大きい課の下書き")
    put(
        session, solo, Status.adopted, "一人課の提案", initiative_id=1,
        outcome="adopted", implementing_department_id=solo_department.id,
    )  # fmt: skip
    put(session, solo, Status.rejected, "一人課の不採用")
    put(session, pair1, Status.completed, "二人課の完了", initiative_id=1)
    put(session, pair2, Status.submitted, "二人課の提出")
    return SimpleNamespace(
        big=big,
        solo=solo_department,
        pair=pair_department,
        staff=big1,
        secretariat=secretariat,
    )


def by_department(api, **params) -> dict[str, dict]:
    response = api.get(STATS, params={"fiscal_year": YEAR, **params})
    assert response.status_code == 200, response.text
    return {row["name"]: row for row in response.json()["by_department"]}, response.text


def figures(row: dict) -> tuple:
    keys = ("proposals", "proposers", "staff", "participation_rate", "proposals_per_head")
    return tuple(row[k] for k in (*keys, "adopted", "completed"))


def test_stats_fold_small_departments_for_staff(year, api_as) -> None:
    rows, text = by_department(api_as(year.staff))
    assert SOLO not in text and PAIR not in text
    assert set(rows) == {BIG, "その他"}
    other = rows["その他"]
    assert (other["department_id"], other["merged"]) == (None, True)
    assert figures(other) == (4, 3, 3, 1.0, 1.3333, 2, 1)
    assert figures(rows[BIG]) == (1, 1, 4, 0.25, 0.25, 1, 0)
    assert rows[BIG]["merged"] is False

    one, text = by_department(api_as(year.staff), initiative_id=1)
    assert SOLO not in text and PAIR not in text
    assert figures(one["その他"])[:2] == (2, 2) and figures(one["その他"])[-2:] == (2, 1)


@pytest.mark.parametrize("role", [Role.supervisor, Role.reviewer, Role.finance, Role.admin])
def test_stats_fold_small_departments_for_every_role_but_the_secretariat(
    role, year, make_user, api_as
) -> None:
    rows, text = by_department(api_as(make_user(role, department=year.big)))
    assert SOLO not in text and "その他" in rows


def test_the_secretariat_sees_each_department(year, api_as) -> None:
    rows, _text = by_department(api_as(year.secretariat))
    assert set(rows) == {BIG, SOLO, PAIR}
    assert figures(rows[SOLO]) == (2, 1, 1, 1.0, 2.0, 1, 0)
    assert figures(rows[PAIR]) == (2, 2, 2, 1.0, 1.0, 1, 1)
    assert not any(row["merged"] for row in rows.values())


def test_open_data_names_no_small_department(year, client) -> None:
    body = client.get(OPEN_JSON).json()
    published = {
        item["title"]: (item["department_name"], item["implementing_department_name"])
        for item in body["items"]
    }
    assert published == {
        "大きい課の提案": (BIG, None),
        "一人課の提案": ("その他", "その他"),
        "二人課の完了": ("その他", None),
    }
    csv_text = client.get(OPEN_CSV).content.decode("utf-8-sig")
    assert "一人課の提案" in csv_text
    for text in (client.get(OPEN_JSON).text, csv_text):
        assert SOLO not in text and PAIR not in text
    page = client.get("/open-data").text
    assert "在籍職員が少ない課は「その他」としています。" in page  # the dictionary says so


def rollup(html: str) -> str:
    """The figures part of a dashboard or initiative page."""
    return html[html.index('<section class="rollup"') :]


def row(html: str, row_id: str) -> list[str]:
    match = re.search(rf'<tr id="{row_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row {row_id}"
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", match.group(1), re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def test_the_dashboard_and_initiative_pages_fold_them_for_staff(year, page_as) -> None:
    page = page_as(year.staff)
    dashboard = page.get("/dashboard", params={"fiscal_year": YEAR}).text
    assert SOLO not in dashboard and PAIR not in dashboard
    other = ["その他", "4", "3", "3", "100.0%", "1.33", "2", "1"]
    assert row(dashboard, "chart-department-other") == other
    assert NOTE in dashboard

    initiative = page.get("/initiatives/1", params={"fiscal_year": YEAR}).text
    figures_part = rollup(initiative)
    assert SOLO not in figures_part and PAIR not in figures_part
    assert row(figures_part, "initiative-chart-department-other")[:3] == ["その他", "2", "2"]


def test_the_secretariat_sees_them_on_the_dashboard(year, page_as) -> None:
    dashboard = page_as(year.secretariat).get("/dashboard", params={"fiscal_year": YEAR}).text
    assert row(dashboard, f"chart-department-{year.solo.id}")[:4] == [SOLO, "2", "1", "1"]
    assert PAIR in dashboard
    assert 'id="chart-department-other"' not in dashboard and NOTE not in dashboard
