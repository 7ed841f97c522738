"""The fiscal year's budget list as CSV (UTF-8 with BOM, CRLF, Japanese headers, 和暦 labels)
and Excel (openpyxl), from the same rows (issue 5)."""

import csv
import io
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from app.models.enums import Role
from tests.api import test_budget as shared
from tests.api.test_budget import (
    ACCOUNT,
    API,
    NEXT_YEAR,
    NOTE,
    THIS_YEAR,
    approve,
    assert_problem,
    deny,
    ok,
    proposal,
    put,
    reiwa,
)

cast = shared.cast  # a fixture

HEADERS = [
    "年度",
    "提案番号",
    "件名",
    "DX取組み",
    "実施担当課",
    "予算区分",
    "予算科目",
    "財源",
    "要求額（円）",
    "措置額（円）",
    "状態",
    "備考",
]
HEADER_LINE = (
    "年度,提案番号,件名,DX取組み,実施担当課,予算区分,予算科目,財源,"
    "要求額（円）,措置額（円）,状態,備考\r\n"
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def budget_year(cast, make_department, api_as, session):
    """Three records for next year's money (one reduced, one waiting, one denied), one not
    required (left out) and one for the year after (left out)."""
    construction = make_department("建設課")
    finance = api_as(cast.finance)
    p1 = proposal(
        session,
        cast.author,
        implementing_department_id=cast.implementing.id,
        initiative_id=1,
        title="窓口予約システムの導入",
    )
    # A title with a comma and quotes, which the CSV must quote.
    p2 = proposal(
        session,
        cast.author,
        implementing_department_id=construction.id,
        title='道路損傷の通報アプリ, "試行"',
    )
    p3 = proposal(
        session,
        cast.author,
        implementing_department_id=cast.implementing.id,
        initiative_id=2,
        title="公用車の予約共有",
    )
    p4 = proposal(session, cast.author, implementing_department_id=construction.id)
    p5 = proposal(session, cast.author, implementing_department_id=construction.id)
    ok(
        put(
            finance,
            p1.id,
            required=True,
            fiscal_year=NEXT_YEAR,
            budget_type="initial",
            requested_yen="１，５００，０００円",
            account=ACCOUNT,
            funding_source="subsidy",
            note=NOTE,
        )
    )
    ok(approve(finance, p1.id, {"approved_yen": 1200000}))
    ok(
        put(
            finance,
            p2.id,
            required=True,
            fiscal_year=NEXT_YEAR,
            budget_type="supplementary",
            requested_yen=800000,
        )
    )
    ok(
        put(
            finance,
            p3.id,
            required=True,
            fiscal_year=NEXT_YEAR,
            requested_yen=300000,
            funding_source="grant",
        )
    )
    ok(deny(finance, p3.id, {"reason": "財源不足"}))
    ok(put(finance, p4.id, required=False, fiscal_year=NEXT_YEAR, budget_type="existing"))
    ok(put(finance, p5.id, required=True, fiscal_year=NEXT_YEAR + 1, requested_yen=90000))
    return p1, p2, p3


def expected_rows(p1, p2, p3) -> list[list[str]]:
    label = reiwa(NEXT_YEAR)
    return [
        [
            label,
            p1.number,
            "窓口予約システムの導入",
            "1. 自治体の情報システムの標準化・共通化",
            "情報政策課",
            "当初予算",
            ACCOUNT,
            "国・県補助",
            "1500000",
            "1200000",
            "減額して措置",
            NOTE,
        ],
        [
            label,
            p2.number,
            '道路損傷の通報アプリ, "試行"',
            "",
            "建設課",
            "補正予算",
            "",
            "一般財源",
            "800000",
            "",
            "要求中",
            "",
        ],
        [
            label,
            p3.number,
            "公用車の予約共有",
            "2. マイナンバーカードの普及促進",
            "情報政策課",
            "当初予算",
            "",
            "交付金",
            "300000",
            "0",
            "見送り",
            "",
        ],
    ]


def csv_of(api, fiscal_year: int):
    return api.get(f"{API}/exports/budget.csv", params={"fiscal_year": fiscal_year})


def xlsx_of(api, fiscal_year: int):
    return api.get(f"{API}/exports/budget.xlsx", params={"fiscal_year": fiscal_year})


def test_csv(cast, api_as, budget_year) -> None:
    p1, p2, p3 = budget_year
    response = csv_of(api_as(cast.finance), NEXT_YEAR)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    name = f"予算一覧_{reiwa(NEXT_YEAR)}_FY{NEXT_YEAR}.csv"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition

    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # the UTF-8 BOM, for Excel
    text = raw.decode("utf-8")
    assert text.count("\r\n") == 4 and text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")  # no bare line feeds
    label = reiwa(NEXT_YEAR)
    assert text == (
        "\ufeff"
        + HEADER_LINE
        + f"{label},{p1.number},窓口予約システムの導入,1. 自治体の情報システムの標準化・共通化,"
        f"情報政策課,当初予算,{ACCOUNT},国・県補助,1500000,1200000,減額して措置,{NOTE}\r\n"
        f'{label},{p2.number},"道路損傷の通報アプリ, ""試行""",,建設課,補正予算,,一般財源,'
        "800000,,要求中,\r\n"
        f"{label},{p3.number},公用車の予約共有,2. マイナンバーカードの普及促進,情報政策課,"
        "当初予算,,交付金,300000,0,見送り,\r\n"
    )
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert rows == [HEADERS, *expected_rows(p1, p2, p3)]


def test_xlsx_matches_the_csv(cast, api_as, budget_year) -> None:
    api = api_as(cast.secretariat)  # the secretariat may export too
    response = xlsx_of(api, NEXT_YEAR)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    name = f"予算一覧_{reiwa(NEXT_YEAR)}_FY{NEXT_YEAR}.xlsx"
    assert f"filename*=UTF-8''{quote(name, safe='')}" in response.headers["content-disposition"]

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == f"予算一覧 {reiwa(NEXT_YEAR)}"
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == HEADERS
    # Amounts are numbers in Excel; empty cells are empty.
    assert [row[8:10] for row in values[1:]] == [[1500000, 1200000], [800000, None], [300000, 0]]

    text = csv_of(api, NEXT_YEAR).content.decode("utf-8-sig")
    from_csv = list(csv.reader(io.StringIO(text, newline="")))
    as_text = [["" if v is None else str(v) for v in row] for row in values]
    assert as_text == from_csv == [HEADERS, *expected_rows(*budget_year)]


def test_an_empty_year(cast, api_as, budget_year) -> None:
    api = api_as(cast.finance)
    response = csv_of(api, THIS_YEAR)
    assert response.status_code == 200, response.text
    assert response.content.decode("utf-8") == "\ufeff" + HEADER_LINE

    response = xlsx_of(api, THIS_YEAR)
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [HEADERS]
    assert sheet.title == f"予算一覧 {reiwa(THIS_YEAR)}"


def test_the_following_year_has_its_own_rows(cast, api_as, budget_year) -> None:
    text = csv_of(api_as(cast.finance), NEXT_YEAR + 1).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 2
    assert rows[1][0] == reiwa(NEXT_YEAR + 1)
    assert rows[1][8:11] == ["90000", "", "要求中"]


@pytest.mark.parametrize("who", ["staff", "author", "implementer", "admin"])
def test_exports_are_for_finance_and_the_secretariat(cast, api_as, who) -> None:
    api = api_as(getattr(cast, who))
    assert_problem(csv_of(api, NEXT_YEAR), 403)
    assert_problem(xlsx_of(api, NEXT_YEAR), 403)


def test_other_roles_and_no_login(make_user, api_as, client) -> None:
    for role in (Role.supervisor, Role.reviewer):
        api = api_as(make_user(role))
        assert_problem(csv_of(api, NEXT_YEAR), 403)
        assert_problem(xlsx_of(api, NEXT_YEAR), 403)
    assert_problem(csv_of(client, NEXT_YEAR), 401)
    assert_problem(xlsx_of(client, NEXT_YEAR), 401)


@pytest.mark.parametrize("params", [{}, {"fiscal_year": "令和9"}, {"fiscal_year": 1800}])
def test_a_missing_or_absurd_fiscal_year(cast, api_as, params) -> None:
    api = api_as(cast.finance)
    for kind in ("csv", "xlsx"):
        response = api.get(f"{API}/exports/budget.{kind}", params=params)
        assert_problem(response, 422)


@pytest.mark.parametrize("params", [{}, {"fiscal_year": "令和9"}])
def test_staff_are_refused_before_the_year_is_read(cast, api_as, params) -> None:
    api = api_as(cast.author)
    for path in ("/budget", "/exports/budget.csv", "/exports/budget.xlsx"):
        assert_problem(api.get(f"{API}{path}", params=params), 403)
