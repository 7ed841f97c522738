"""In Chromium (issue 17): a half-written proposal is not lost — leaving a form with unsaved
changes asks first, and an existing draft saves itself a few seconds after typing stops,
saying 「保存しました HH:MM」 in Japan time; a conflict stops the autosave and says so."""

import re
from datetime import datetime

from playwright.sync_api import Dialog, Page, expect

from app.wareki import JST
from tests.e2e.test_foundation_browser import Watch, sign_in

TITLE = "公用車の鍵の貸出簿を電子化する"


class Dialogs:
    """The dialogs the page opened (by type); beforeunload is answered `stay`."""

    def __init__(self, page: Page) -> None:
        self.seen: list[str] = []
        page.on("dialog", self.answer)

    def answer(self, dialog: Dialog) -> None:
        self.seen.append(dialog.type)
        dialog.dismiss()  # stay on the page


def test_unsaved_changes_ask_and_drafts_save_themselves(page: Page, live_server: str) -> None:
    watch = Watch(page, live_server)
    dialogs = Dialogs(page)
    sign_in(page, live_server, "staff")

    # A new proposal: nothing saved yet, so leaving asks first.
    page.goto(f"{live_server}/proposals/new")
    page.get_by_label("件名").fill(TITLE)
    page.get_by_role("link", name="キャンセル").click()
    expect(page.get_by_label("件名")).to_have_value(TITLE)  # stayed, nothing lost
    assert dialogs.seen == ["beforeunload"]

    page.get_by_label("分野").select_option(value="efficiency")
    page.get_by_label("提案の要旨").fill("紙の貸出簿をやめ、庁内システムで予約と返却を記録する。")
    page.get_by_label("現状と問題点").fill("鍵の所在が分からないことがある。")
    page.get_by_label("提案の内容").fill("貸出と返却を画面で記録する。")
    page.get_by_label("期待される効果").fill("鍵を探す時間が減る。")
    page.get_by_role("button", name="下書きを保存").click()  # saving is leaving: no question
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert dialogs.seen == ["beforeunload"]

    # The draft's edit form saves itself after a few seconds without typing.
    page.get_by_role("link", name="編集する").click()
    edit_url = page.url
    version = int(page.locator("#f-version").input_value())
    summary = page.get_by_label("提案の要旨")
    summary.fill("紙の貸出簿をやめ、庁内システムで予約・貸出・返却を記録する。")
    status = page.locator("#autosave-status")
    expect(status).to_contain_text(re.compile(r"保存しました \d\d:\d\d"), timeout=10_000)
    shown = re.search(r"\d\d:\d\d", status.inner_text()).group(0)
    now = datetime.now(JST)
    assert abs(now.hour * 60 + now.minute - int(shown[:2]) * 60 - int(shown[3:])) <= 1
    expect(page.locator("#f-version")).to_have_value(str(version + 1))
    expect(summary).to_be_focused()  # the quiet line never takes the focus
    # Saved: leaving asks nothing, and the page shows what was typed.
    page.get_by_role("link", name="キャンセル").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("main")).to_contain_text("予約・貸出・返却を記録する")
    assert dialogs.seen == ["beforeunload"]

    # Two tabs on the same draft: the second one's autosave meets the first one's change.
    page.goto(edit_url)
    other = page.context.new_page()
    other.goto(edit_url)
    other.get_by_label("現状と問題点").fill("鍵の所在が分からず、探す時間がかかる。")
    expect(other.locator("#autosave-status")).to_contain_text("保存しました", timeout=10_000)
    other.close()
    page.get_by_label("期待される効果").fill("鍵を探す時間がなくなる。")
    expect(page.locator("#autosave-status")).to_contain_text(
        "他の人が先にこの提案を更新したため、自動保存を止めました", timeout=10_000
    )
    expect(page.get_by_label("期待される効果")).to_be_focused()
    page.get_by_role("link", name="キャンセル").click()  # not saved: asks, and stays
    expect(page.get_by_label("期待される効果")).to_have_value("鍵を探す時間がなくなる。")
    assert dialogs.seen == ["beforeunload", "beforeunload"]

    assert watch.outside() == []
    assert [e for e in watch.errors if "412" not in e] == []  # the refused save is logged
