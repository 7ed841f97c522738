"""In Chromium: a demo user opens the dashboard, sees the server-drawn SVG charts, changes
the fiscal year, and opens an initiative page with its own charts — nothing loaded from
elsewhere, nothing blocked by the Content-Security-Policy. The demo data may change, so
only the structure is checked, not the figures."""

import re

from playwright.sync_api import Page, expect

from app.wareki import fiscal_year_label, fiscal_year_of, today_jst
from tests.e2e.test_foundation_browser import Watch, sign_in


def drawn_bars(page: Page, scope: str) -> int:
    """How many chart bars under `scope` the browser laid out wider than nothing."""
    return page.evaluate(
        """(scope) => [...document.querySelectorAll(scope + ' svg[role=img] rect.chart__bar')]
             .filter((r) => r.getBoundingClientRect().width > 0).length""",
        scope,
    )


def test_dashboard_charts_year_and_an_initiative(page: Page, live_server: str) -> None:
    watch = Watch(page, live_server)
    current = fiscal_year_of(today_jst())
    previous = current - 1

    sign_in(page, live_server, "staff")
    nav = page.get_by_role("navigation", name="メインメニュー")
    nav.get_by_role("link", name="ダッシュボード").click()
    expect(page).to_have_url(f"{live_server}/dashboard")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(f"ダッシュボード（{fiscal_year_label(current)}）")

    charts = page.locator("main svg[role=img]")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 10
    for chart_id in ("chart-status", "chart-initiative", "chart-department", "chart-budget"):
        chart = page.locator(f"svg#{chart_id}")
        expect(chart).to_be_visible()
        assert chart.get_attribute("aria-label")
        box = chart.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 30
    # one bar per status (12), 13 × 2 per initiative; the status bars say their counts
    expect(page.locator("svg#chart-status rect.chart__bar")).to_have_count(12)
    expect(page.locator("svg#chart-initiative rect.chart__bar")).to_have_count(26)
    expect(page.locator("svg#chart-status text.chart__value").first).to_have_text(
        re.compile(r"^[\d,]+件$")
    )
    assert drawn_bars(page, "#chart-status-figure") >= 1  # the demo has proposals this year
    expect(page.locator("#chart-rates")).to_contain_text("採用率")
    expect(page.get_by_text("数字の定義")).to_be_visible()

    # Another fiscal year, chosen with the 和暦 label (a plain GET form).
    page.get_by_label("年度", exact=True).select_option(label=fiscal_year_label(previous))
    page.get_by_role("button", name="表示").click()
    expect(page).to_have_url(f"{live_server}/dashboard?fiscal_year={previous}")
    expect(heading).to_have_text(f"ダッシュボード（{fiscal_year_label(previous)}）")
    expect(page.locator("svg#chart-status rect.chart__bar")).to_have_count(12)

    # An initiative from the dashboard's table: its plan and its own charts.
    page.goto(f"{live_server}/dashboard")
    page.locator("#chart-initiative-1 a").click()
    expect(page).to_have_url(re.compile(r"/initiatives/1\?fiscal_year=\d{4}$"))
    expect(page.locator("#initiative-summary")).to_be_visible()
    expect(page.locator("#initiative-schedule li").first).to_be_visible()
    status = page.locator("svg#initiative-chart-status")
    expect(status).to_be_visible()
    expect(status.locator("rect.chart__bar")).to_have_count(12)
    expect(page.locator("svg#initiative-chart-budget")).to_be_visible()

    # and from the list page
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="DX推進計画"
    ).click()
    page.locator("#initiative-2 h2 a").click()
    expect(page).to_have_url(f"{live_server}/initiatives/2")
    expect(page.locator("svg#initiative-chart-status")).to_be_visible()

    assert watch.outside() == []
    assert watch.errors == []
