"""In Chromium: a reviewer scores a proposal in the form, the secretariat sees it ranked and
adopts it with an award, and the author sees the result, the reason and a notification."""

from playwright.sync_api import Page, expect

from tests.e2e.test_foundation_browser import Watch, sign_in

TITLE = "窓口受付のオンライン予約化"  # demo data: in review, one of two reviewers has scored
REASON = "繁忙期の待ち時間を確実に減らせるため採用します。"


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()


def test_score_rank_adopt_and_tell_the_author(page: Page, live_server: str) -> None:
    watch = Watch(page, live_server)

    sign_in(page, live_server, "reviewer2")
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="審査待ち"
    ).click()
    row = page.locator("#review-queue tr", has_text=TITLE)
    expect(row).to_contain_text("未採点")
    expect(row).not_to_contain_text("山田 一郎")  # blind review: no author's name
    row.get_by_role("link", name="採点する").click()
    expect(page.locator("body")).not_to_contain_text("山田 一郎")
    expect(page.locator("body")).not_to_contain_text("住民税務課")
    # Submitting with nothing chosen is refused inline.
    page.get_by_role("button", name="採点を保存する").click()
    expect(page.get_by_role("alert")).to_contain_text("採点")
    # The focus goes to what needs fixing, not to the body (issue 17).
    expect(page.locator("fieldset.criterion input[aria-invalid='true']").first).to_be_focused()
    for criterion in page.locator("fieldset.criterion").all():
        criterion.locator("input[type=radio][value='5']").check()
    page.get_by_label("講評（コメント）").fill("効果が大きく、すぐに実施できる。")
    page.get_by_role("button", name="採点を保存する").click()
    expect(page.locator(".review-total")).to_contain_text("100")
    # 「採点を保存しました」 was far above the button: it is focused and brought into view.
    saved = page.get_by_role("status").filter(has_text="採点を保存しました")
    expect(saved).to_be_focused()
    expect(saved).to_be_in_viewport()
    sign_out(page)

    sign_in(page, live_server, "secretariat")
    nav = page.get_by_role("navigation", name="メインメニュー")
    nav.get_by_text("事務局").click()  # the secretariat's menu group
    nav.get_by_role("link", name="順位表").click()
    first = page.locator("#ranking-results tbody tr").first
    expect(first).to_contain_text(TITLE)
    expect(first.locator(".ranking__score")).to_contain_text("90")  # (80 + 100) / 2
    expect(first).to_contain_text("2／2")
    first.get_by_role("link", name=TITLE).click()

    form = page.locator("#decision-form")
    form.get_by_label("審査結果").select_option(label="採用")
    form.get_by_role("button", name="決定する").click()
    expect(form.locator("#e-reason")).to_be_visible()  # the reason is required
    form = page.locator("#decision-form")
    form.get_by_label("審査結果").select_option(label="採用")
    form.get_by_label("理由").fill(REASON)
    form.get_by_label("賞").select_option(label="優秀賞")
    form.get_by_label("実施担当課").select_option(label="住民税務課")
    form.get_by_label("削減目標時間（時間／年）").fill("２００")
    form.get_by_role("button", name="決定する").click()
    # The decision asks first, in place of the form (htmx), focused and announced.
    confirm = page.locator("#confirm-decide")
    expect(confirm).to_contain_text("審査中 → 採用")
    expect(confirm).to_contain_text("200時間")
    expect(confirm.get_by_role("status")).to_be_focused()
    confirm.get_by_role("button", name="戻って修正する").click()
    form = page.locator("#decision-form")
    expect(form.get_by_label("理由")).to_have_value(REASON)
    form.get_by_role("button", name="決定する").click()
    page.locator("#confirm-decide").get_by_role("button", name="決定する").click()
    expect(page.locator(".proposal__meta .status")).to_have_text("採用")
    sign_out(page)

    sign_in(page, live_server, "staff")
    badge = page.locator(".notice-badge")
    expect(badge).to_be_visible()
    page.get_by_role("link", name="お知らせ").first.click()
    notice = page.locator("main").get_by_text(f"「{TITLE}」は採用となりました")
    expect(notice).to_be_visible()
    notice.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    body = page.locator("main")
    expect(body).to_contain_text("採用")
    expect(body).to_contain_text(REASON)
    expect(body).to_contain_text("優秀賞")
    expect(body).to_contain_text("200時間")

    assert watch.outside() == []
    assert [e for e in watch.errors if "422" not in e] == []
