"""The proposal ledger (提案台帳, issue 7): CSV (UTF-8 with BOM, CRLF, Japanese headers, ISO
and 和暦 dates) and Excel from the same rows, with the proposal list's filters, for the
secretariat only; a fixed number of queries whatever the number of rows."""

import csv
import io
from datetime import UTC, date, datetime
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import event
from sqlmodel import Session

from app.models import BudgetRecord, Proposal, User
from app.models.enums import Role, Status
from app.services.rounds import standing_round
from app.wareki import today_jst
from tests.helpers import proposal_in

API = "/api/v1/exports/proposals"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = [
    "提案番号",
    "件名",
    "状態",
    "年度",
    "提出日",
    "提出日（和暦）",
    "決定日",
    "決定日（和暦）",
    "実施開始日",
    "完了予定日",
    "完了日",
    "完了日（和暦）",
    "区分",
    "分野",
    "募集回",
    "DX取組み",
    "提案者",
    "共同提案者",
    "所属課",
    "審査点",
    "審査結果",
    "賞",
    "実施担当課",
    "予算状況",
    "予算要求額（円）",
    "予算措置額（円）",
    "概算経費（円）",
    "削減見込み時間（時間／年）",
    "削減見込み額（円／年）",
    "削減目標時間（時間／年）",
    "削減目標額（円／年）",
    "削減実績時間（時間／年）",
    "削減実績額（円／年）",
    "実績経費（円）",
    "進捗率（％）",
]
HEADER_LINE = (
    "\ufeff提案番号,件名,状態,年度,提出日,提出日（和暦）,決定日,決定日（和暦）,実施開始日,"
    "完了予定日,完了日,完了日（和暦）,区分,分野,募集回,DX取組み,提案者,共同提案者,所属課,"
    "審査点,審査結果,賞,実施担当課,予算状況,予算要求額（円）,予算措置額（円）,概算経費（円）,"
    "削減見込み時間（時間／年）,削減見込み額（円／年）,削減目標時間（時間／年）,"
    "削減目標額（円／年）,削減実績時間（時間／年）,削減実績額（円／年）,実績経費（円）,"
    "進捗率（％）\r\n"
)
# The rows of the `ledger` fixture, oldest fiscal year first, then by number (none last).
R1_0001 = (
    'R1-0001,"道路損傷の通報アプリ, ""試行""",不採用,令和元年度,2019-05-01,令和元年5月1日,'
    "2020-01-01,令和2年1月1日,,,,,行政施策提案,町民満足度の向上,令和元年度 随時募集,,"
    "提案 太郎,,住民課,41.0,不採用,,,,,,300000,12.5,50000,,,,,,\r\n"
)
R7_0001 = (
    "R7-0001,窓口予約システムの導入,完了,令和7年度,2025-05-01,令和7年5月1日,2025-07-15,"
    "令和7年7月15日,2025-10-01,2026-03-31,2026-03-19,令和8年3月19日,業務改善提案,"
    "事務事業の改善及び能率向上,令和7年度 随時募集,1. 自治体の情報システムの標準化・共通化,"
    "提案 太郎,共同 花子、補助 三郎,住民課,72.5,一部採用,優秀賞,情報政策課,減額して措置,"
    "1500000,1200000,1500000,240,960000,200,800000,180.5,722000,1150000,100\r\n"
)
R7_0002 = (
    "R7-0002,公用車の予約共有,審査中,令和7年度,2025-06-02,令和7年6月2日,,,,,,,業務改善提案,"
    "その他,令和7年度 随時募集,2. マイナンバーカードの普及促進,改善 次郎,,建設課,60.0"
    + "," * 15
    + "\r\n"
)
UNNUMBERED = (
    ",住民票の郵送請求のオンライン化,提出済み（受付待ち）,令和7年度,2025-08-20,令和7年8月20日,"
    ",,,,,,業務改善提案,経費の節減及び収入の増加,令和7年度 随時募集,,改善 次郎,,建設課"
    + "," * 16
    + "\r\n"
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def put_fields(session: Session, proposal: Proposal, **fields) -> Proposal:
    for name, value in fields.items():
        setattr(proposal, name, value)
    session.add(proposal)
    session.commit()
    session.refresh(proposal)
    return proposal


@pytest.fixture
def ledger(session, make_user, make_department) -> SimpleNamespace:
    """Four proposals the secretariat sees (fiscal years 2019 and 2025), and drafts it
    must not list."""
    home = make_department("住民課")
    construction = make_department("建設課")
    implementing = make_department("情報政策課")
    general = make_department("総務課")
    author = make_user(name="提案 太郎", department=home)
    co_1 = make_user(name="共同 花子", department=home)
    co_2 = make_user(name="補助 三郎", department=implementing)
    other = make_user(name="改善 次郎", department=construction)
    secretariat = make_user(Role.secretariat, department=general)
    round_2019 = standing_round(session, fiscal_year=2019)
    round_2025 = standing_round(session, fiscal_year=2025)

    # Submitted at 00:30 on 1 May 2019 in Japan (still 30 April in UTC): 令和元年.
    rejected = put_fields(
        session,
        proposal_in(session, Status.rejected, author=author, title='道路損傷の通報アプリ, "試行"'),
        number="R1-0001",
        fiscal_year=2019,
        round_id=round_2019.id,
        kind="policy",
        category="satisfaction",
        submitted_at=utc(2019, 4, 30, 15, 30),
        decided_at=utc(2019, 12, 31, 15, 0),
        score=41.0,
        outcome="rejected",
        decision_reason="効果が見込めない",
        estimated_cost_yen=300000,
        estimated_hours_saved_per_year_hours=12.5,
        estimated_savings_yen_per_year=50000,
    )
    completed = put_fields(
        session,
        proposal_in(
            session,
            Status.completed,
            author=author,
            co_authors=[co_1, co_2],
            title="窓口予約システムの導入",
        ),
        number="R7-0001",
        fiscal_year=2025,
        round_id=round_2025.id,
        kind="improvement",
        category="efficiency",
        initiative_id=1,
        submitted_at=utc(2025, 4, 30, 15, 0),
        decided_at=utc(2025, 7, 15, 1, 0),
        started_at=utc(2025, 10, 1, 0, 30),
        planned_end_date=date(2026, 3, 31),
        completed_at=utc(2026, 3, 19, 6, 0),
        score=72.5,
        outcome="partially_adopted",
        award="excellent",
        implementing_department_id=implementing.id,
        estimated_cost_yen=1500000,
        estimated_hours_saved_per_year_hours=240.0,
        estimated_savings_yen_per_year=960000,
        target_hours_saved_per_year_hours=200.0,
        target_savings_yen_per_year=800000,
        actual_hours_saved_per_year_hours=180.5,
        actual_savings_yen_per_year=722000,
        actual_cost_yen=1150000,
        progress_percent=100,
        budget_status="reduced",
        owner_id=co_2.id,
    )
    # A denied request, then a new one for the next year: the newer is the current one.
    session.add(
        BudgetRecord(
            proposal_id=completed.id,
            fiscal_year=2025,
            requested_yen=900000,
            approved_yen=0,
            status="denied",
        )
    )
    session.commit()
    session.add(
        BudgetRecord(
            proposal_id=completed.id,
            fiscal_year=2026,
            requested_yen=1500000,
            approved_yen=1200000,
            status="reduced",
        )
    )
    session.commit()
    in_review = put_fields(
        session,
        proposal_in(session, Status.in_review, author=other, title="公用車の予約共有"),
        number="R7-0002",
        fiscal_year=2025,
        round_id=round_2025.id,
        initiative_id=2,
        submitted_at=utc(2025, 6, 2, 3, 0),
    )
    unnumbered = put_fields(
        session,
        proposal_in(
            session, Status.submitted, author=other, title="住民票の郵送請求のオンライン化"
        ),
        fiscal_year=2025,
        round_id=round_2025.id,
        category="savings",
        submitted_at=utc(2025, 8, 20, 0, 0),
    )
    # Not in anyone's ledger: drafts (the secretariat's own included).
    proposal_in(session, Status.draft, author=author, title="下書きの提案")
    proposal_in(session, Status.draft, author=secretariat, title="事務局の下書き")
    return SimpleNamespace(
        secretariat=secretariat,
        author=author,
        home=home,
        construction=construction,
        round_2019=round_2019,
        rejected=rejected,
        completed=completed,
        in_review=in_review,
        unnumbered=unnumbered,
    )


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert rows[0] == HEADERS
    return [row[0] for row in rows[1:]]


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


def test_csv_byte_for_byte(api_as, ledger) -> None:
    response = api_as(ledger.secretariat).get(f"{API}.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    name = f"提案台帳_{today_jst().isoformat()}.csv"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    text = response.content.decode("utf-8")
    assert text == HEADER_LINE + R1_0001 + R7_0001 + R7_0002 + UNNUMBERED
    assert "\n" not in text.replace("\r\n", "")  # no bare line feeds
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert all(len(row) == len(HEADERS) for row in rows)


def test_the_fiscal_year_names_the_file(api_as, ledger) -> None:
    response = api_as(ledger.secretariat).get(f"{API}.xlsx", params={"fiscal_year": 2019})
    name = f"提案台帳_令和元年度_{today_jst().isoformat()}.xlsx"
    assert f"filename*=UTF-8''{quote(name, safe='')}" in response.headers["content-disposition"]


def test_xlsx_matches_the_csv(api_as, ledger) -> None:
    api = api_as(ledger.secretariat)
    response = api.get(f"{API}.xlsx")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "提案台帳"
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    widths = [sheet.column_dimensions[c].width for c in ("A", "B", "Q")]
    assert all(10 <= w <= 60 for w in widths)
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == HEADERS
    completed = values[2]
    # Dates are Excel dates and amounts numbers; empty cells are empty.
    assert completed[4] == datetime(2025, 5, 1) and completed[5] == "令和7年5月1日"
    assert completed[9] == datetime(2026, 3, 31)
    assert completed[19] == 72.5
    assert completed[24:35] == [
        1500000,
        1200000,
        1500000,
        240,
        960000,
        200,
        800000,
        180.5,
        722000,
        1150000,
        100,
    ]
    assert values[3][20:35] == [None] * 15

    def cell(value) -> str | float:
        """A cell compared across the files: numbers as numbers (41.0 in the CSV is 41 in
        Excel), dates as ISO text."""
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.date().isoformat()
        try:
            return float(value)
        except ValueError:
            return str(value)

    text = api.get(f"{API}.csv").content.decode("utf-8-sig")
    from_csv = list(csv.reader(io.StringIO(text, newline="")))
    assert [[cell(v) for v in row] for row in values] == [
        [cell(v) for v in row] for row in from_csv
    ]


def test_filters_are_the_lists(api_as, ledger) -> None:
    api = api_as(ledger.secretariat)
    cases = [
        ({"status": "completed"}, ["R7-0001"]),
        ({"status": ["rejected", "in_review"]}, ["R1-0001", "R7-0002"]),
        ({"initiative_id": "none"}, ["R1-0001", ""]),
        ({"initiative_id": 1}, ["R7-0001"]),
        ({"fiscal_year": 2019}, ["R1-0001"]),
        ({"fiscal_year": 2025}, ["R7-0001", "R7-0002", ""]),
        ({"department_id": ledger.construction.id}, ["R7-0002", ""]),
        ({"kind": "policy"}, ["R1-0001"]),
        ({"category": "savings"}, [""]),
        ({"round_id": ledger.round_2019.id}, ["R1-0001"]),
        ({"q": "公用車"}, ["R7-0002"]),
        ({"fiscal_year": 2025, "initiative_id": "none"}, [""]),
    ]
    for params, expected in cases:
        assert numbers(api.get(f"{API}.csv", params=params)) == expected, params
        sheet = load_workbook(io.BytesIO(api.get(f"{API}.xlsx", params=params).content)).active
        column = [row[0] or "" for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert column == expected, params


def test_the_list_and_the_ledger_agree(api_as, ledger) -> None:
    api = api_as(ledger.secretariat)
    listed = api.get("/api/v1/proposals", params={"fiscal_year": 2025}).json()["items"]
    assert sorted(p["number"] or "" for p in listed) == sorted(
        numbers(api.get(f"{API}.csv", params={"fiscal_year": 2025}))
    )


def test_no_cache_keeps_the_ledger(api_as, ledger) -> None:
    api = api_as(ledger.secretariat)
    for kind in ("csv", "xlsx"):
        assert api.get(f"{API}.{kind}").headers["cache-control"] == "no-store"


def test_text_excel_would_run_as_a_formula_is_defused(api_as, ledger, session) -> None:
    put_fields(session, ledger.in_review, title='=HYPERLINK("http://example.com","開く")')
    put_fields(session, ledger.unnumbered, title="-1+2")
    api = api_as(ledger.secretariat)
    rows = list(
        csv.reader(io.StringIO(api.get(f"{API}.csv").content.decode("utf-8-sig"), newline=""))
    )
    assert [row[1] for row in rows[3:]] == ['\'=HYPERLINK("http://example.com","開く")', "'-1+2"]
    sheet = load_workbook(io.BytesIO(api.get(f"{API}.xlsx").content)).active
    cells = [sheet.cell(row=r, column=2) for r in (4, 5)]
    assert [c.data_type for c in cells] == ["s", "s"]  # text, not formulas
    assert [c.value for c in cells] == [row[1] for row in rows[3:]]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"initiative_id": "abc"},
        {"fiscal_year": 1900},
        {"fiscal_year": "令和7"},
        {"kind": "x"},
        {"category": "x"},
        {"department_id": "x"},
        {"q": "あ" * 101},
    ],
)
def test_an_invalid_filter(api_as, ledger, params) -> None:
    api = api_as(ledger.secretariat)
    for kind in ("csv", "xlsx"):
        body = assert_problem(api.get(f"{API}.{kind}", params=params), 422)
        assert body["errors"]


def test_an_empty_selection_is_the_header_only(api_as, ledger) -> None:
    api = api_as(ledger.secretariat)
    response = api.get(f"{API}.csv", params={"fiscal_year": 2030})
    assert response.status_code == 200, response.text
    assert response.content.decode("utf-8") == HEADER_LINE
    response = api.get(f"{API}.xlsx", params={"fiscal_year": 2030})
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [HEADERS]


def test_an_empty_database(api_as, make_user) -> None:
    response = api_as(make_user(Role.secretariat)).get(f"{API}.csv")
    assert response.content.decode("utf-8") == HEADER_LINE


@pytest.mark.parametrize(
    "roles", [(), (Role.finance,), (Role.admin,), (Role.reviewer,), (Role.supervisor,)]
)
def test_only_the_secretariat(api_as, make_user, roles) -> None:
    api = api_as(make_user(*roles))
    for kind in ("csv", "xlsx"):
        assert_problem(api.get(f"{API}.{kind}"), 403)
        # Refused before the filters are read (403 wins over 422).
        assert_problem(api.get(f"{API}.{kind}", params={"status": "bogus"}), 403)


def test_no_login(client) -> None:
    for kind in ("csv", "xlsx"):
        assert_problem(client.get(f"{API}.{kind}"), 401)
        assert_problem(client.get(f"{API}.{kind}", params={"fiscal_year": 1900}), 401)
        bad_token = client.get(f"{API}.{kind}", headers={"Authorization": "Bearer nonsense"})
        assert_problem(bad_token, 401)


def test_the_page_session_may_download(page_as, ledger) -> None:
    page = page_as(ledger.secretariat)
    response = page.get(f"{API}.csv", params={"fiscal_year": 2019})
    assert numbers(response) == ["R1-0001"]


def test_the_list_page_links_the_ledger_with_its_filters(page_as, ledger) -> None:
    page = page_as(ledger.secretariat)
    html = page.get(
        "/proposals", params={"fiscal_year": 2025, "initiative": "none", "q": "住民票"}
    ).text
    query = "q=%E4%BD%8F%E6%B0%91%E7%A5%A8&amp;initiative_id=none&amp;fiscal_year=2025"
    assert f'href="{API}.csv?{query}"' in html
    assert f'href="{API}.xlsx?{query}"' in html
    # The link answers what the page shows.
    assert numbers(page.get(f"{API}.csv?{query.replace('&amp;', '&')}")) == [""]
    plain = page.get("/proposals").text
    assert f'href="{API}.csv"' in plain and f'href="{API}.xlsx"' in plain


def test_filters_the_page_ignores_stay_out_of_the_links(page_as, ledger) -> None:
    page = page_as(ledger.secretariat)
    html = page.get(
        "/proposals", params={"status": "bogus", "fiscal_year": "令和7", "kind": "policy"}
    ).text
    assert f'href="{API}.csv?kind=policy"' in html
    assert numbers(page.get(f"{API}.csv?kind=policy")) == ["R1-0001"]


def test_the_list_page_has_no_links_for_others(page_as, ledger) -> None:
    html = page_as(ledger.author).get("/proposals").text
    assert f"{API}.csv" not in html and f"{API}.xlsx" not in html


# -- a fixed number of queries -------------------------------------------------------------


def _fill(session: Session, fiscal_year: int, count: int, authors: list[User], implementing):
    for i in range(count):
        author = authors[i % len(authors)]
        co_author = authors[(i + 1) % len(authors)]
        p = proposal_in(
            session, Status.budgeted, author=author, co_authors=[co_author], title=f"提案{i}"
        )
        put_fields(
            session,
            p,
            number=f"X{fiscal_year}-{i:04d}",
            fiscal_year=fiscal_year,
            initiative_id=(i % 12) + 1,
            implementing_department_id=implementing.id,
            decided_at=utc(fiscal_year, 6, 1, 0, 0),
        )
        session.add(
            BudgetRecord(
                proposal_id=p.id,
                fiscal_year=fiscal_year,
                requested_yen=1000,
                approved_yen=1000,
                status="approved",
            )
        )
        session.commit()


def test_the_query_count_does_not_grow_with_the_rows(
    api_as, make_user, make_department, session, db_engine
) -> None:
    implementing = make_department("情報政策課")
    authors = [make_user() for _ in range(6)]
    _fill(session, 2023, 3, authors, implementing)
    _fill(session, 2024, 30, authors, implementing)
    api = api_as(make_user(Role.secretariat))
    statements: list[str] = []

    def count(*_args) -> None:
        statements.append("q")

    def queries(fiscal_year: int, rows: int) -> int:
        statements.clear()
        response = api.get(f"{API}.csv", params={"fiscal_year": fiscal_year})
        assert len(numbers(response)) == rows
        return len(statements)

    event.listen(db_engine, "before_cursor_execute", count)
    try:
        three, thirty = queries(2023, 3), queries(2024, 30)
    finally:
        event.remove(db_engine, "before_cursor_execute", count)
    assert three == thirty
    assert thirty <= 12
