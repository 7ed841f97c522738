"""In real Chromium: sign in as a demo user, see the Japanese home page, and prove that no
request left the server and that the Content-Security-Policy blocked nothing."""

import re

from playwright.sync_api import Page, expect

from app.demo import DEMO_PASSWORD, demo_email
from app.templating import STATIC_VERSION


class Watch:
    """Every URL the page asked for, and every console error (CSP violations land there)."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.base_url = base_url
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def outside(self) -> list[str]:
        return [u for u in self.requests if not u.startswith((self.base_url, "data:"))]


def sign_in(page: Page, base_url: str, who: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("メールアドレス").fill(demo_email(who))
    page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()


def test_staff_signs_in_and_sees_the_japanese_home(page: Page, live_server: str) -> None:
    watch = Watch(page, live_server)
    page.goto(live_server)
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()

    sign_in(page, live_server, "staff")
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("山田 一郎さんのホーム")
    expect(page.get_by_role("status")).to_contain_text("ようこそ")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    nav = page.get_by_role("navigation", name="メインメニュー")
    expect(nav.get_by_role("link", name="DX推進計画")).to_be_visible()
    expect(nav.get_by_role("link", name="職員管理")).to_have_count(0)

    nav.get_by_role("link", name="DX推進計画").click()
    expect(page.locator(".initiative")).to_have_count(12)
    expect(page.get_by_text("オープンデータ活用の推進")).to_be_visible()

    # The page's own assets came from the server: stylesheet applied, htmx loaded.
    assert page.evaluate("typeof window.htmx") == "object"
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
        == "rgb(29, 79, 145)"
    )

    page.get_by_role("button", name="ログアウト").click()
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("status")).to_contain_text("ログアウトしました")

    assert watch.outside() == []
    assert watch.errors == []
    assert any(u.endswith(f".js?v={STATIC_VERSION}") for u in watch.requests)


def test_wrong_password_is_told_in_japanese(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("メールアドレス").fill(demo_email("staff"))
    page.get_by_label("パスワード").fill("wrong-password")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("alert")).to_have_text(
        "メールアドレス（または職員番号）かパスワードが正しくありません。"
    )
    expect(page).to_have_url(f"{live_server}/login")


def test_admin_form_errors_come_back_inline_through_htmx(page: Page, live_server: str) -> None:
    watch = Watch(page, live_server)
    sign_in(page, live_server, "admin")
    nav = page.get_by_role("navigation", name="メインメニュー")
    nav.get_by_text("管理", exact=True).click()  # the administrator's menu group
    nav.get_by_role("link", name="課の管理").click()
    page.get_by_role("link", name="課を登録").click()
    page.get_by_label("課コード").fill("010")  # 総務課 already has it
    page.get_by_label("課名").fill("重複課")
    page.get_by_role("button", name="登録する").click()
    expect(page.locator("#e-code")).to_have_text("この課コードは既に使われています。")
    expect(page.get_by_label("課コード")).to_be_focused()
    page.get_by_label("課コード").fill("120")
    page.get_by_role("button", name="登録する").click()
    expect(page).to_have_url(f"{live_server}/admin/departments")
    expect(page.get_by_role("link", name="重複課")).to_be_visible()
    assert watch.outside() == []
    assert watch.errors == [e for e in watch.errors if "422" in e]  # htmx logs the 422 only
