"""Login and logout pages, the session cookie, CSRF and the security headers."""

from http.cookies import SimpleCookie

import pytest
from fastapi.testclient import TestClient

from app.models.enums import Role
from tests.conftest import PASSWORD, PageClient, csrf_from


def login_form(client: TestClient, email: str, password: str, next_: str = "/", **extra):
    token = csrf_from(client.get("/login").text)
    data = {"email": email, "password": password, "csrf_token": token, "next": next_}
    return client.post("/login", data=data, follow_redirects=False, **extra)


def test_login_page_is_japanese(client: TestClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert '<html lang="ja">' in response.text
    assert "ログイン" in response.text and "メールアドレス" in response.text


def test_protected_pages_send_anonymous_users_to_login(client: TestClient) -> None:
    response = client.get("/admin/users?q=x", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fadmin%2Fusers%3Fq%3Dx"
    htmx = client.get("/", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 401
    assert htmx.headers["hx-redirect"].startswith("/login")


def test_login_sets_a_protected_session_cookie_and_shows_home(
    client: TestClient, make_user
) -> None:
    user = make_user(name="山田 花子")
    response = login_form(client, user.email, PASSWORD, next_="/initiatives")
    assert response.status_code == 303
    assert response.headers["location"] == "/initiatives"
    raw = response.headers["set-cookie"]
    cookie = SimpleCookie(raw)["teian_session"]
    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() == "lax"
    assert not cookie["secure"]
    home = client.get("/")
    assert "山田 花子さんのホーム" in home.text
    assert "山田 花子さん、ようこそ。" in home.text  # the flash message, shown once
    assert "ようこそ" not in client.get("/").text


def test_secure_cookie_when_configured(settings, db_engine, make_user) -> None:
    from app.main import create_app

    secure = settings.model_copy(update={"session_cookie_secure": True})
    user = make_user()
    with TestClient(create_app(secure, engine=db_engine), base_url="https://testserver") as c:
        response = login_form(c, user.email, PASSWORD)
    assert "secure" in response.headers["set-cookie"].lower()


@pytest.mark.parametrize("next_", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_login_never_redirects_off_site(client: TestClient, make_user, next_: str) -> None:
    user = make_user()
    response = login_form(client, user.email, PASSWORD, next_=next_)
    assert response.headers["location"] == "/"


def test_wrong_password_and_unknown_email_look_the_same(client: TestClient, make_user) -> None:
    user = make_user()
    disabled = make_user(is_active=False)
    responses = [
        login_form(client, user.email, "wrong-password-1"),
        login_form(client, "nobody@test.example", "wrong-password-1"),
        login_form(client, disabled.email, PASSWORD),
    ]
    for response in responses:
        assert response.status_code == 401
        assert "メールアドレス（または職員番号）かパスワードが正しくありません。" in response.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_is_throttled_on_the_page_too(client: TestClient, make_user, settings) -> None:
    user = make_user()
    for _ in range(settings.login_max_failures_per_account):
        login_form(client, user.email, "wrong-password-1")
    response = login_form(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert "しばらくしてから" in response.text


def test_login_without_csrf_token_is_403(client: TestClient, make_user) -> None:
    user = make_user()
    client.get("/login")
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "ページを再読み込み" in response.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_logout_requires_csrf_and_ends_the_session(page_as, make_user) -> None:
    page: PageClient = page_as(make_user())
    assert page.post("/logout", follow_redirects=False).status_code == 403
    assert page.get("/", follow_redirects=False).status_code == 200
    wrong = page.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert wrong.status_code == 403
    response = page.post_form("/logout")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert page.get("/", follow_redirects=False).status_code == 303


def test_htmx_requests_carry_csrf_in_a_header(page_as, make_user) -> None:
    page: PageClient = page_as(make_user())
    headers = {"HX-Request": "true"}
    assert page.post("/logout", headers=headers).status_code == 403
    ok = page.post("/logout", headers={**headers, "X-CSRF-Token": page.csrf})
    assert ok.status_code == 204 and ok.headers["hx-redirect"] == "/login"


def test_tampered_session_cookie_is_not_signed_in(page_as, make_user) -> None:
    page: PageClient = page_as(make_user())
    value = page.cookies.get("teian_session")
    page.cookies.clear()
    page.cookies.set("teian_session", value[:-3] + ("AAA" if value[-3:] != "AAA" else "BBB"))
    assert page.get("/", follow_redirects=False).status_code == 303
    assert page.get("/api/v1/users/me").status_code == 401


def test_idle_session_is_not_signed_in(settings, db_engine, make_user, monkeypatch) -> None:
    from datetime import timedelta

    from app.main import create_app
    from app.models.types import utcnow
    from app.services import sessions

    user = make_user()
    with TestClient(create_app(settings, engine=db_engine)) as c:
        assert login_form(c, user.email, PASSWORD).status_code == 303
        assert c.get("/", follow_redirects=False).status_code == 200
        idle = utcnow() + timedelta(minutes=settings.session_lifetime_minutes, seconds=10)
        monkeypatch.setattr(sessions, "utcnow", lambda: idle)
        assert c.get("/", follow_redirects=False).status_code == 303


def test_disabled_user_loses_the_session(page_as, make_user, session) -> None:
    user = make_user()
    page = page_as(user)
    user.is_active = False
    session.add(user)
    session.commit()
    assert page.get("/", follow_redirects=False).status_code == 303


def test_api_accepts_the_page_session_only_with_csrf(page_as, make_user) -> None:
    admin = make_user(Role.admin)
    page: PageClient = page_as(admin)
    assert page.get("/api/v1/users/me").json()["id"] == admin.id
    body = {"code": "777", "name": "CSRF課"}
    assert page.post("/api/v1/departments", json=body).status_code == 403
    ok = page.post("/api/v1/departments", json=body, headers={"X-CSRF-Token": page.csrf})
    assert ok.status_code == 201


@pytest.mark.parametrize("path", ["/login", "/api/v1/health", "/static/css/app.css", "/nope"])
def test_security_headers_everywhere(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"


def test_pages_have_no_inline_script_and_no_outside_urls(page_as, make_user) -> None:
    import re

    page = page_as(make_user(Role.admin))
    for path in [
        "/",
        "/initiatives",
        "/initiatives/1",
        "/admin/users",
        "/admin/users/new",
        "/admin/departments",
        "/admin/departments/new",
        "/docs",
        "/login",
    ]:
        html = page.get(path).text
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag, (path, tag)
        assert not re.search(r"<script[^>]*>\s*[^<\s]", html), path
        assert not re.search(r"""(src|href)=["'](https?:)?//""", html), path
        assert " on" + "click=" not in html
