"""In Chromium: staff writes a draft in the form, sees a similar-proposal hint, submits;
the secretariat accepts it from the intake queue; the author sees its number and timeline."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_foundation_browser import Watch, sign_in

TITLE = "窓口受付をオンラインで予約できるようにする"


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="ログアウト").click()


def test_write_submit_accept_and_see_the_number(page: Page, live_server: str) -> None:
    watch = Watch(page, live_server)
    sign_in(page, live_server, "staff")
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="新規提案"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新規提案")

    page.get_by_label("件名").fill(TITLE)
    hint = page.locator("#similar-hint")
    expect(hint).to_contain_text("似た提案があります")
    expect(hint).to_contain_text("窓口受付のオンライン予約化")  # from the demo data
    # The words it shares are marked in its title, and listed.
    expect(hint.locator("mark").first).to_be_visible()
    expect(hint).to_contain_text("共通する語")
    # The initiative the text most likely advances, and why; the author still chooses.
    page.get_by_label("提案の要旨").fill("転入手続きの予約をオンラインで受け付ける。")
    suggestion = page.locator("#initiative-hint")
    expect(suggestion).to_contain_text("3. 行政手続きのオンライン化")
    expect(suggestion).to_contain_text("手がかりの語")

    page.get_by_label("DX取組み").select_option(label="3. 行政手続きのオンライン化")
    # 分野 is chosen, never assumed; a co-author is found by the reading of their name.
    page.get_by_label("分野").select_option(value="efficiency")
    page.get_by_label("名前か読み（かな）で探す").fill("じゅうみん")
    page.get_by_role("button", name=re.compile("追加: 住民 課長")).click()
    expect(page.locator("#co-author-chosen")).to_contain_text("住民 課長")
    page.get_by_label("提案の要旨").fill("転入手続きの予約をオンラインで受け付ける。")
    page.get_by_label("現状と問題点").fill("繁忙期の待ち時間が長い。")
    page.get_by_label("提案の内容").fill("町サイトに予約フォームを置く。")
    page.get_by_label("期待される効果").fill("待ち時間の短縮。")
    page.get_by_label("概算経費（円）").fill("１，２００円")
    page.get_by_role("button", name="下書きを保存").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text("1,200円")).to_be_visible()
    # 提出 asks first (issue 17): with htmx in a dialog on the page, what happens and the
    # real button; 「やめる」 just closes it.
    proposal_url = page.url
    page.get_by_role("link", name="提出する").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_have_attribute("open", "")
    expect(dialog.get_by_role("status")).to_be_focused()
    dialog.get_by_role("link", name="やめる").click()
    expect(dialog).not_to_have_attribute("open", "")
    expect(page).to_have_url(proposal_url)
    page.get_by_role("link", name="提出する").click()
    confirm = dialog.locator("#confirm-submit")
    expect(confirm).to_contain_text("提出の確認")
    expect(confirm).to_contain_text("下書き → 提出済み（受付待ち）")
    confirm.get_by_role("button", name="提出する").click()
    expect(page.get_by_role("status")).to_contain_text("提案を提出しました")
    expect(page.get_by_role("status")).to_be_focused()  # the new page's message is read out
    proposal_url = page.url
    sign_out(page)

    sign_in(page, live_server, "secretariat")
    nav = page.get_by_role("navigation", name="メインメニュー")
    nav.get_by_text("事務局").click()  # the secretariat's menu group
    nav.get_by_role("link", name="受付待ち").click()
    # Its own card (by its heading: the demo's 窓口受付の予約システム導入 lists it as similar).
    item = page.locator(".queue-item", has=page.get_by_role("heading", name=TITLE))
    expect(item).to_contain_text("山田 一郎")
    expect(item.locator(".similar")).to_contain_text("窓口受付のオンライン予約化")
    item.get_by_role("link", name="受理する").click()
    confirm = page.locator("#confirm-accept")
    expect(confirm).to_contain_text(TITLE)
    confirm.get_by_role("button", name="受理する").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"提案番号: R\d+-\d{4}"))
    number = re.search(r"R\d+-\d{4}", page.get_by_role("status").inner_text()).group(0)
    expect(page.locator(".queue-item", has=page.get_by_role("heading", name=TITLE))).to_have_count(
        0
    )
    sign_out(page)

    sign_in(page, live_server, "staff")
    page.goto(proposal_url)
    expect(page.locator(".proposal__number")).to_have_text(number)
    expect(page.locator(".proposal__meta .status")).to_have_text("審査中")
    timeline = page.locator(".timeline")
    expect(timeline.locator(".timeline__item")).to_have_count(3)
    expect(timeline).to_contain_text("作成")
    expect(timeline).to_contain_text("提出")
    expect(timeline).to_contain_text("受理")
    expect(timeline).to_contain_text(number)

    assert watch.outside() == []
    assert watch.errors == []
