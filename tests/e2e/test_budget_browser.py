"""In Chromium: finance finds an adopted proposal in the budget queue, records the request,
approves an amount typed in full-width digits, and sees it in the year's totals."""

from playwright.sync_api import Page, expect

from app.wareki import fiscal_year_label, fiscal_year_of, today_jst
from tests.e2e.test_foundation_browser import Watch, sign_in

TITLE = "住民票の郵送請求を電子申請に"  # demo data: adopted, no budget decision yet


def test_finance_requests_approves_and_sees_the_totals(page: Page, live_server: str) -> None:
    watch = Watch(page, live_server)
    next_year = fiscal_year_of(today_jst()) + 1
    label = fiscal_year_label(next_year)

    sign_in(page, live_server, "finance")
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="予算").click()
    group = page.locator("section, .budget-group", has_text=label).filter(has_text=TITLE).first
    expect(group).to_be_visible()
    page.get_by_role("link", name=TITLE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)

    request = page.locator("#budget-request-form, form[action$='/budget']").first
    request.get_by_label("予算が必要").check()
    request.get_by_label("年度").select_option(label=label)
    request.get_by_label("要求額（円）").fill("１，２００，０００円")
    request.get_by_label("予算科目").fill("総務費 戸籍住民基本台帳費")
    request.get_by_role("button", name="予算要求を保存する").click()
    expect(page.locator("#budget-status")).to_have_text("要求中")

    approve = page.locator("form[action$='/budget/approve']")
    approve.get_by_label("措置額（円）").fill("１，０００，０００")
    approve.get_by_role("button", name="措置する").click()
    expect(page.locator(".proposal__meta .status")).to_have_text("予算化済み")
    expect(page.locator("#budget-status")).to_have_text("減額して措置")

    page.goto(f"{live_server}/budget/{next_year}")
    main = page.locator("main")
    expect(main).to_contain_text(TITLE)
    # The demo's RPA proposal asked 1,800,000 and got 1,500,000 for the same year.
    expect(main).to_contain_text("3,000,000円")
    expect(main).to_contain_text("2,500,000円")

    assert watch.outside() == []
    assert [e for e in watch.errors if "422" not in e] == []
