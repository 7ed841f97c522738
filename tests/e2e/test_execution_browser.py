"""In Chromium: the implementing department starts an adopted proposal, ticks its
milestone, files the completion report with full-width numbers, and the author sees it
completed with its effects side by side."""

from playwright.sync_api import Page, expect

from tests.e2e.test_foundation_browser import Watch, sign_in

# Demo data: adopted, budget not required, implementing department 住民税務課 (where the demo
# 職員 山田 一郎 works), one open milestone; written by 佐藤 美咲 (保健相談課).
TITLE = "窓口の番号札をデジタル化"
MILESTONE = "発券機の設定変更"


def test_department_starts_ticks_and_completes_then_the_author_sees_it(
    page: Page, live_server: str
) -> None:
    watch = Watch(page, live_server)
    sign_in(page, live_server, "staff")
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="実施状況"
    ).click()
    expect(page.locator("main")).to_contain_text(TITLE)
    page.get_by_role("link", name=TITLE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)

    start = page.locator("#start-form")
    start.get_by_label("担当者").select_option(label="山田 一郎")
    start.get_by_label("完了予定日").fill("2099-03-31")
    start.get_by_role("button", name="実施を開始する").click()
    expect(page.locator(".proposal__meta .status")).to_have_text("実施中")
    expect(page.locator("#execution-owner")).to_have_text("山田 一郎")

    row = page.locator("#milestones tr", has_text=MILESTONE)
    row.get_by_role("button", name="完了にする").click()
    expect(row.get_by_role("button", name="未完了に戻す")).to_be_visible()
    # The panel says what happened, and that message has the focus (issue 17).
    expect(page.locator("#execution-message")).to_be_focused()
    expect(page.locator("#execution-state")).to_contain_text("100")

    complete = page.locator("#complete-form")
    complete.get_by_label("実施内容の報告").fill(
        "発券機の設定を変え、呼び出し状況をサイトで公開した。"
    )
    complete.get_by_label("実際にかかった経費（円・一回限り）").fill("０円")
    complete.get_by_label("削減できた時間（時間／年）").fill("７２時間")
    complete.get_by_label("削減できた金額（職員の時間以外・円／年）").fill("２４，０００円")
    complete.get_by_role("button", name="完了報告を登録する").click()
    confirm = page.locator("#confirm-complete")
    expect(confirm).to_contain_text("実施中 → 完了")
    expect(confirm).to_contain_text("24,000円")
    confirm.get_by_role("button", name="完了報告を登録する").click()
    expect(page.locator(".proposal__meta .status")).to_have_text("完了")
    url = page.url

    page.get_by_role("button", name="ログアウト").click()
    sign_in(page, live_server, "parttime")
    page.goto(url)
    expect(page.locator(".proposal__meta .status")).to_have_text("完了")
    expect(page.locator("#completion-report")).to_contain_text("呼び出し状況をサイトで公開")
    # estimated 60 h and 20,000円 by the author; target 50 h at decision; actual 72 h,
    # 24,000円, and 72 h × 4,000円 = 288,000円 as yen, 312,000円 in all.
    expect(page.locator("#effects-estimated")).to_contain_text("20,000円")
    expect(page.locator("#effects-target")).to_contain_text("50")
    actual = page.locator("#effects-actual")
    for figure in ("72", "24,000円", "288,000円", "312,000円"):
        expect(actual).to_contain_text(figure)
    expect(page.locator("#complete-form")).to_have_count(0)  # the author has no forms

    assert watch.outside() == []
    assert watch.errors == []
