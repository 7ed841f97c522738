"""Issue 17, item 8, in real Chromium: on a phone the menu folds behind メニュー, terms do
not break mid-word and tables keep their row labels; at 1366 px the secretariat's menu is
one row and proposal numbers stay whole."""

from playwright.sync_api import Page, expect

from tests.e2e.test_foundation_browser import sign_in

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def one_line(page: Page, selector: str, pattern: str = "") -> bool:
    """Each element (whose text matches `pattern`, when given; at least one) has its own
    first text on a single line box."""
    return page.evaluate(
        """([selector, pattern]) => {
          const found = [...document.querySelectorAll(selector)]
            .filter(el => !pattern || new RegExp(pattern).test(el.textContent));
          return found.length > 0 && found.every(el => {
            const text = [...el.childNodes]
              .find(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
            const range = document.createRange();
            range.selectNodeContents(text);
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            return tops.size === 1;
          });
        }""",
        [selector, pattern],
    )


def test_a_phone_folds_the_menu_and_keeps_words_whole(page: Page, live_server: str) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "secretariat")
    nav = page.get_by_role("navigation", name="メインメニュー")
    toggle = nav.get_by_role("button", name="メニュー")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name="提案一覧")).to_be_hidden()
    assert page.locator(".site-header").bounding_box()["height"] < PHONE["height"] / 4
    assert one_line(page, ".site-user button")  # ログアウト
    assert one_line(page, ".notice-link")  # お知らせ
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="提案一覧")).to_be_visible()
    nav.get_by_text("事務局").click()
    nav.get_by_role("link", name="受付待ち").click()
    expect(page).to_have_url(f"{live_server}/intake")


def test_a_phone_table_keeps_its_headers_and_row_labels(page: Page, live_server: str) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "staff")
    page.goto(f"{live_server}/proposals")
    table = page.locator("main table.table").first
    expect(table.locator("thead")).to_be_visible()
    expect(table.locator("thead th").first).to_be_visible()
    # The page itself does not scroll sideways: the table does.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert one_line(page, "main table.table tbody td.nowrap", r"R\d+-\d+")  # numbers


def test_at_1366_the_secretariats_menu_is_one_row(page: Page, live_server: str) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "secretariat")
    nav = page.get_by_role("navigation", name="メインメニュー")
    expect(nav.get_by_role("button", name="メニュー")).to_be_hidden()
    tops = page.evaluate(
        "[...document.querySelectorAll('.site-nav__list > li')]"
        ".map(li => Math.round(li.getBoundingClientRect().top))"
    )
    assert len(set(tops)) == 1, tops
    # A group opens over the page and closes on Escape.
    nav.get_by_text("事務局").click()
    expect(nav.get_by_role("link", name="順位表")).to_be_visible()
    page.keyboard.press("Escape")
    expect(nav.get_by_role("link", name="順位表")).to_be_hidden()
    page.goto(f"{live_server}/budget")
    cells = page.locator("main table.table tbody td:first-child")
    if cells.count():
        assert one_line(page, "main table.table tbody td.nowrap", r"R\d+-\d+")  # numbers
