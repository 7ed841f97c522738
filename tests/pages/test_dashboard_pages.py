"""The dashboard (/dashboard) and the initiative pages (/initiatives/{number}): the figures
of stats.compute on a small fixed data set, worked out by hand, in the tables and in the
server-drawn SVG charts; the fiscal-year selector and its errors; who may see what."""

import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from app.models import Initiative
from app.models.enums import Role, Status
from app.presenters.dashboard_view import fiscal_years
from tests.stats_data import YEAR, fixed_year, put

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def data(session: Session, make_user, make_department) -> SimpleNamespace:
    """tests/stats_data.py's fixed year, plus department C with one reader for each role
    other than staff (5 more active staff)."""
    data = fixed_year(session, make_user, make_department)
    data.c = make_department("総務課", code="C01")
    data.readers = {role: make_user(role, department=data.c) for role in Role if role != Role.staff}
    return data


def svg(html: str, chart_id: str) -> ET.Element:
    """The chart's <svg> element, parsed as XML (it must be well-formed)."""
    match = re.search(rf'<svg [^>]*id="{chart_id}".*?</svg>', html, re.S)
    assert match, f"no chart {chart_id}"
    return ET.fromstring(match.group(0))


def bars(chart: ET.Element) -> list[ET.Element]:
    return [r for r in chart.iter(f"{SVG}rect") if "chart__bar" in r.get("class", "").split()]


def values(chart: ET.Element) -> list[str]:
    return [t.text or "" for t in chart.iter(f"{SVG}text") if t.get("class") == "chart__value"]


def row(html: str, row_id: str) -> list[str]:
    """The cells' text of the table row with this id."""
    match = re.search(rf'<tr id="{row_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row {row_id}"
    without_charts = re.sub(r"<svg.*?</svg>", "", match.group(1), flags=re.S)
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", without_charts, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def dashboard(page_as, user, year=YEAR):
    response = page_as(user).get("/dashboard", params={"fiscal_year": year})
    assert response.status_code == 200, response.text
    return response.text


@pytest.mark.parametrize("who", [r.value for r in Role])
def test_the_dashboard_shows_the_hand_computed_figures_to_every_role(
    who, data, page_as, session
) -> None:
    user = data.a1 if who == "staff" else data.readers[Role(who)]
    html = dashboard(page_as, user)
    assert "ダッシュボード（令和8年度）" in html
    assert 'href="/dashboard" aria-current="page"' in html  # the nav item
    # adopted P1, P2, P4 of decided P1–P5; completed P1 of the three adopted;
    # proposers a1, a2, b1, b2 of 10 active staff (A 3, B 2, C the 5 readers)
    assert row(html, "chart-rate-row-adoption") == ["採用率", "", "60.0%", "3", "5"]
    assert row(html, "chart-rate-row-implementation")[2:] == ["33.3%", "1", "3"]
    assert row(html, "chart-rate-row-participation")[2:] == ["40.0%", "4", "10"]
    assert row(html, "chart-status-draft") == ["下書き", "1"]
    assert row(html, "chart-status-completed") == ["完了", "1"]
    assert row(html, "chart-status-returned")[1] == "0"
    assert row(html, f"chart-department-{data.a.id}") == [
        "企画課", "3", "2", "3", "66.7%", "1.00", "2", "1",
    ]  # fmt: skip
    b_figures = ["3", "2", "2", "100.0%", "1.50", "1", "0"]
    if who == "secretariat":
        assert row(html, f"chart-department-{data.b.id}") == ["住民課", *b_figures]
        assert 'id="chart-department-other"' not in html
    else:
        # B has two active staff, fewer than SMALL_GROUP_MIN_STAFF (3): everyone but the
        # secretariat sees it counted as 「その他」 (issue 11, item 12).
        assert row(html, "chart-department-other") == ["その他", *b_figures]
        assert "住民課" not in html
    assert row(html, f"chart-department-{data.c.id}")[1:6] == ["0", "0", "5", "0.0%", "0.00"]
    first = session.exec(select(Initiative).where(Initiative.number == 1)).one()
    assert row(html, "chart-initiative-1") == [
        f"1. {first.title}", "2", "2", "1", "1,100,000円", "150時間", "120時間",
    ]  # fmt: skip
    assert row(html, "chart-initiative-none")[:4] == ["DX取組みに該当なし", "1", "1", "0"]
    assert row(html, "chart-budget-total") == ["合計", "1,500,000円", "1,100,000円"]
    # hours: estimated 100 + 50 + 10.5, target 80, actual 120; at 4,000円 an hour
    assert "1時間あたり4,000円" in html
    effects = re.search(r'id="chart-effects-table".*?</table>', html, re.S).group(0)
    for text in ("160.5時間", "80時間", "120時間", "642,000円", "320,000円", "480,000円"):
        assert text in effects
    assert row(html, "chart-actual-cost")[-1] == "5,000円"
    # intake 2,4,6,1,3 → 3; review 8,16,6,3,5 → 6; preparation 10,14 → 12; execution 30
    assert [row(html, f"chart-stage-{s}")[1] for s in ("intake", "review")] == ["3.0日", "6.0日"]
    assert row(html, "chart-stage-preparation")[1] == "12.0日"
    assert row(html, "chart-stage-execution")[1] == "30.0日"
    assert "採用率 = 採用 ÷ 判断済み" in html  # the definitions in words


def test_the_charts_have_one_bar_per_row_with_its_value(data, page_as) -> None:
    html = dashboard(page_as, data.a1)
    status = svg(html, "chart-status")
    assert status.get("role") == "img" and status.get("aria-label") == "状態別の提案件数"
    assert status.find(f"{SVG}title").text == "状態別の提案件数"
    assert status.find(f"{SVG}desc").text
    assert len(bars(status)) == 12 == html.count('<tr id="chart-status-')
    assert "1件" in values(status) and "0件" in values(status)
    # widths are proportional: every status with one proposal has the same, non-zero width
    widths = {float(b.get("width")) for b in bars(status) if b.get("data-value") == "1"}
    assert len(widths) == 1 and widths.pop() > 0
    assert {float(b.get("width")) for b in bars(status) if b.get("data-value") == "0"} == {0}

    initiative = svg(html, "chart-initiative")
    assert len(bars(initiative)) == 13 * 2  # 12 initiatives and none; proposals and adopted
    assert "提案 2件" in values(initiative)
    legend = [t.text for t in initiative.iter(f"{SVG}text")]
    assert "提案" in legend and "採用" in legend
    patterns = {b.get("class") for b in bars(initiative)}
    assert patterns == {"chart__bar chart__bar--solid", "chart__bar chart__bar--hatch"}

    departments = svg(html, "chart-participation")
    assert len(bars(departments)) == 3 and "66.7%" in values(departments)
    budget_chart = svg(html, "chart-budget")
    assert "要求額 1,500,000円" in values(budget_chart)
    assert "措置額 1,100,000円" in values(budget_chart)
    savings = svg(html, "chart-savings")
    assert "見込み 642,000円" in values(savings) and "実績 480,000円" in values(savings)
    assert len(bars(svg(html, "chart-hours"))) == 3
    assert values(svg(html, "chart-stages")) == ["3.0日", "6.0日", "12.0日", "30.0日"]
    rate = svg(html, "chart-rate-adoption")
    assert values(rate) == ["60.0%"] and rate.get("role") == "img"
    assert 'style="' not in html  # the CSP blocks inline styles


def test_the_fiscal_year_selector_lists_every_year_with_proposals_once(
    data, page_as, session: Session
) -> None:
    """The years with proposals are found one after another through the index (a recursive
    query, not SELECT DISTINCT): each once, the oldest too, newest first."""
    for year in (2011, 2011, 2019):
        put(session, data.a1, Status.completed, f"{year}年度の提案", fiscal_year=year)
    years = fiscal_years(session, YEAR)
    assert years == sorted(set(years), reverse=True)
    assert {2011, 2019, YEAR - 1, YEAR} <= set(years)
    assert not {2010, 2012, 2018} & set(years)
    html = dashboard(page_as, data.a1)
    assert html.count('<option value="2011" >') == 1
    assert '<option value="2019" >令和元年度</option>' in html


def test_the_fiscal_year_selector_lists_years_in_wareki(data, page_as) -> None:
    html = dashboard(page_as, data.a1)
    assert '<option value="2026" selected>令和8年度</option>' in html
    assert '<option value="2025" >令和7年度</option>' in html
    earlier = dashboard(page_as, data.a1, year=YEAR - 1)
    assert "ダッシュボード（令和7年度）" in earlier
    assert row(earlier, "chart-status-completed") == ["完了", "1"]
    assert row(earlier, "chart-rate-row-adoption")[2] == "100.0%"


def test_an_empty_year_shows_zeros_and_undefined_rates(data, page_as) -> None:
    html = dashboard(page_as, data.a1, year=2030)
    assert row(html, "chart-rate-row-adoption")[2:] == ["—", "0", "0"]
    assert all(float(b.get("width")) == 0 for b in bars(svg(html, "chart-status")))
    assert values(svg(html, "chart-stages")) == ["—"] * 4


def test_the_current_year_is_the_default(data, page_as) -> None:
    from app.wareki import fiscal_year_label, fiscal_year_of, today_jst

    response = page_as(data.a1).get("/dashboard")
    assert response.status_code == 200
    label = fiscal_year_label(fiscal_year_of(today_jst()))
    assert f"ダッシュボード（{label}）" in response.text


@pytest.mark.parametrize("year", ["abc", "1999", "2101", "-1", "令和8", "9" * 10])
def test_an_absurd_fiscal_year_is_a_japanese_422_page(year, data, page_as) -> None:
    page = page_as(data.a1)
    for url in ("/dashboard", "/initiatives/1"):
        response = page.get(url, params={"fiscal_year": year})
        assert response.status_code == 422, url
        assert "年度" in response.text and "<html" in response.text
        assert "Traceback" not in response.text


def test_anonymous_users_are_sent_to_login(client, data) -> None:
    for url in ("/dashboard", "/initiatives/1"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


def test_the_initiative_page_shows_its_plan_proposals_and_roll_up(data, page_as, session):
    initiative = session.get(Initiative, data.ids[1])
    page = page_as(data.a1)
    response = page.get("/initiatives/1", params={"fiscal_year": YEAR})
    assert response.status_code == 200
    html = response.text
    assert initiative.title in html and initiative.summary in html
    assert all(step in html for step in initiative.schedule)
    listed = re.search(r'id="initiative-proposals".*?</table>', html, re.S).group(0)
    assert "P1 完了した窓口予約" in listed and "P2 実施中の電子申請" in listed
    assert "P6 他人の下書き" not in html  # someone else's draft
    assert "P3 不採用の提案" not in listed  # another initiative
    assert "P8 前年度の提案" not in listed  # another fiscal year
    # the roll-up of initiative 1 alone: P1 and P2, both adopted, P1 completed
    assert row(html, "initiative-chart-rate-row-implementation")[2:] == ["50.0%", "1", "2"]
    assert row(html, "initiative-chart-budget-total") == ["合計", "1,300,000円", "1,100,000円"]
    assert row(html, "initiative-chart-status-draft") == ["下書き", "1"]
    assert len(bars(svg(html, "initiative-chart-status"))) == 12
    assert 'id="initiative-chart-initiative"' not in html  # no by-initiative chart for one
    assert '<option value="2026" selected>令和8年度</option>' in html

    earlier = page.get("/initiatives/1", params={"fiscal_year": YEAR - 1}).text
    assert "P8 前年度の提案" in earlier and "P1 完了した窓口予約" not in earlier


def test_the_list_and_the_dashboard_link_the_initiative_pages(data, page_as) -> None:
    page = page_as(data.a1)
    assert 'href="/initiatives/7"' in page.get("/initiatives").text
    assert f'href="/initiatives/1?fiscal_year={YEAR}"' in dashboard(page_as, data.a1)


def test_the_open_data_for_everyone_and_the_ledger_for_the_secretariat(data, page_as) -> None:
    staff = dashboard(page_as, data.a1)
    links = re.search(r'id="data-links".*?</p>', staff, re.S).group(0)
    assert 'href="/open-data"' in links and "/api/v1/exports/" not in links
    secretariat = dashboard(page_as, data.readers[Role.secretariat])
    links = re.search(r'id="data-links".*?</p>', secretariat, re.S).group(0)
    assert 'href="/api/v1/exports/proposals.xlsx"' in links and "提案台帳（CSV）" in links


def test_an_unknown_initiative_is_a_japanese_404(data, page_as) -> None:
    response = page_as(data.a1).get("/initiatives/13")
    assert response.status_code == 404
    assert "取組みが見つかりません" in response.text
