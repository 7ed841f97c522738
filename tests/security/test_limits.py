"""Issue 11, items 5, 7 (page forms), 11 and 13: request size limits enforced while the
body streams in, forms that cannot be read answered 400 rather than 500, redirects that
stay on this site, and what shared PCs and HTTPS need (docs/security.md)."""

import httpx
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.models.enums import Role
from tests.conftest import PASSWORD, PageClient, csrf_from
from tests.live import live_server

MB = 1024 * 1024


def chunks(total: int, size: int = 256 * 1024, head: bytes = b""):
    yield head
    sent = len(head)
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b"a" * piece


def problem_413(response) -> None:
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 413


def test_a_large_json_body_is_413_before_it_is_read(client: TestClient) -> None:
    body = b'{"title": "' + b"a" * (2 * MB) + b'"}'
    response = client.post(
        "/api/v1/proposals", content=body, headers={"content-type": "application/json"}
    )
    problem_413(response)


def test_a_chunked_body_without_length_is_cut_off(client: TestClient) -> None:
    response = client.post(
        "/api/v1/proposals",
        content=chunks(3 * MB),
        headers={"content-type": "application/json"},
    )
    problem_413(response)


def test_a_large_login_form_is_413_in_japanese(client: TestClient) -> None:
    response = client.post(
        "/login",
        content=chunks(2 * MB),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert "大きすぎます" in response.text and '<html lang="ja">' in response.text


def test_a_nonnumeric_content_length_is_400(client: TestClient) -> None:
    response = client.post("/api/v1/proposals", headers={"content-length": "12abc"})
    assert response.status_code in (400, 413)  # the HTTP layer may refuse it first


def test_uploads_keep_their_own_larger_limit(api_as, make_user, settings: Settings) -> None:
    api = api_as(make_user())
    proposal = api.post("/api/v1/proposals", json={"title": "大きな添付のテスト"}).json()
    two_mb = b"%PDF-1.4\n" + b"0" * (2 * MB)
    response = api.post(
        f"/api/v1/proposals/{proposal['id']}/attachments",
        files={"file": ("資料.pdf", two_mb, "application/pdf")},
    )
    assert response.status_code != 413, response.text  # over the JSON limit, under uploads'
    too_big = b"0" * (settings.upload_max_bytes + 128 * 1024)
    refused = api.post(
        f"/api/v1/proposals/{proposal['id']}/attachments",
        files={"file": ("資料.pdf", too_big, "application/pdf")},
    )
    problem_413(refused)


@pytest.mark.parametrize(
    "data",
    [
        {f"field{n}": "x" for n in range(1001)},  # over 1,000 fields
        {"csrf_token": "x", "email": "a" * 600_000, "password": "b" * 600_000},  # < 1 MB each
    ],
    ids=["too-many-fields", "two-big-fields"],
)
def test_unreadable_page_forms_are_4xx_even_unauthenticated(client: TestClient, data) -> None:
    response = client.post("/login", data=data, follow_redirects=False)
    assert 400 <= response.status_code < 500, response.status_code


def test_a_multipart_field_over_one_megabyte_is_400_not_500(client: TestClient) -> None:
    response = client.post(
        "/login",
        files={"email": (None, "a" * (MB + 10))},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert "形式が正しくありません" in response.text


def test_server_memory_stays_flat_under_huge_bodies(settings: Settings) -> None:
    """The reproduction: 150 MB to /login and to the API, with and without
    Content-Length. The server's resident memory grows by less than 20 MB."""
    with live_server(settings) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        http.get("/login")
        before = server.rss_bytes()
        for path, content_type in (
            ("/login", "application/x-www-form-urlencoded"),
            ("/api/v1/proposals", "application/json"),
            ("/api/v1/proposals/1/attachments", "multipart/form-data; boundary=x"),
        ):
            for declared in (True, False):
                headers = {"content-type": content_type}
                if declared:
                    headers["content-length"] = str(150 * MB)
                head = b""
                if content_type.startswith("multipart"):
                    head = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
                try:
                    response = http.post(path, content=chunks(150 * MB, head=head), headers=headers)
                except httpx.HTTPError:
                    continue  # the server answered 413 and closed while we were sending
                assert response.status_code == 413, (path, declared, response.status_code)
        grown = server.rss_bytes() - before
    assert grown < 20 * MB, f"the server grew by {grown / MB:.1f} MB"


# -- 11. redirects stay on this site ------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/\\evil.example",
        "/%5Cevil.example",
        "/%5cevil.example",
        "//evil.example",
        "/%2F%2Fevil.example",
        "/%2f/evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/%09/evil.example",
        "/%0a/evil.example",
        "https://evil.example/",
        "evil.example",
        "javascript:alert(1)",
    ],
)
def test_next_never_leaves_the_site(client: TestClient, make_user, target: str) -> None:
    user = make_user()
    token = csrf_from(client.get("/login").text)
    data = {"email": user.email, "password": PASSWORD, "csrf_token": token, "next": target}
    plain = client.post("/login", data=data, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == "/"
    client.cookies.clear()
    token = csrf_from(client.get("/login").text)
    htmx = client.post(
        "/login",
        data={**data, "csrf_token": token},
        headers={"HX-Request": "true"},
        follow_redirects=False,
    )
    assert htmx.headers["hx-redirect"] == "/"
    client.cookies.clear()
    page = client.get("/login", params={"next": target})
    assert 'name="next" value="/"' in page.text


def test_local_targets_are_kept(client: TestClient, make_user) -> None:
    user = make_user()
    token = csrf_from(client.get("/login").text)
    data = {"email": user.email, "password": PASSWORD, "csrf_token": token}
    response = client.post(
        "/login", data={**data, "next": "/proposals?mine=true"}, follow_redirects=False
    )
    assert response.headers["location"] == "/proposals?mine=true"


# -- 13. shared PCs and HTTPS ---------------------------------------------------------------


def test_signed_in_pages_and_api_answers_are_not_stored(page_as, make_user) -> None:
    page: PageClient = page_as(make_user(Role.secretariat))
    for path in ("/", "/proposals", "/account", "/api/v1/users/me"):
        assert page.get(path).headers["cache-control"] == "no-store", path
    assert "no-store" not in page.get("/static/css/app.css").headers.get("cache-control", "")


def test_the_cookie_is_secure_over_https(app, make_user) -> None:
    user = make_user()
    with TestClient(app, base_url="https://testserver") as secure:
        token = csrf_from(secure.get("/login").text)
        data = {"email": user.email, "password": PASSWORD, "csrf_token": token, "next": "/"}
        response = secure.post("/login", data=data, follow_redirects=False)
        cookie = response.headers["set-cookie"]
        assert "teian_session=" in cookie and "secure" in cookie.lower()
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    with TestClient(app) as plain:
        assert "secure" not in plain.get("/login").headers["set-cookie"].lower()


def test_the_cookie_is_secure_behind_the_proxy(settings: Settings, make_user) -> None:
    """uvicorn trusts X-Forwarded-Proto from the proxy (FORWARDED_ALLOW_IPS, 127.0.0.1 by
    default), and the cookie follows the scheme the browser used."""
    make_user()
    with live_server(settings) as server, httpx.Client(base_url=server.url) as http:
        forwarded = http.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "secure" in forwarded.headers["set-cookie"].lower()
        direct = http.get("/login")
        assert "secure" not in direct.headers["set-cookie"].lower()
