"""Issue 11, items 1 and 2: no usable default secret, and sign-ins that end when they
should (docs/security.md, "Secrets" and "Sessions"). Each test replays what an attacker
with a copied cookie or token would send."""

import json
import os
import stat
from base64 import b64encode
from datetime import timedelta
from pathlib import Path

import itsdangerous
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import Session, select

from app.config import Settings
from app.main import create_app
from app.models import AuthSession
from app.models.enums import Role
from app.models.types import utcnow
from app.services import sessions
from tests.conftest import PASSWORD, PageClient

ME = "/api/v1/users/me"
OLD_PUBLIC_KEY = "change-me-insecure-development-key"


def signed_cookie(secret_key: str, data: dict) -> str:
    """A session cookie exactly as Starlette's SessionMiddleware signs one."""
    payload = b64encode(json.dumps(data).encode("utf-8"))
    return itsdangerous.TimestampSigner(secret_key).sign(payload).decode("utf-8")


def api_token(client: TestClient, user) -> str:
    data = {"username": user.email, "password": PASSWORD}
    response = client.post("/api/v1/auth/token", data=data)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- 1. the secret key -----------------------------------------------------------------


def test_unset_key_is_generated_once_kept_0600_and_reused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    url = f"sqlite:///{tmp_path}/db/app.db"
    first = Settings(_env_file=None, database_url=url)
    key_file = tmp_path / "db" / "secret_key"
    assert key_file.exists() and first.secret_key == key_file.read_text().strip()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert len(first.secret_key) >= 48
    assert Settings(_env_file=None, database_url=url).secret_key == first.secret_key
    other = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/other/app.db")
    assert other.secret_key != first.secret_key


@pytest.mark.parametrize("demo", [False, True])
def test_production_refuses_an_unset_or_short_key_even_in_demo(monkeypatch, demo) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    for key in (None, "", "short", "x" * 31):
        with pytest.raises(ValidationError, match="SECRET_KEY"):
            Settings(_env_file=None, environment="production", demo=demo, secret_key=key)
    ok = Settings(_env_file=None, environment="production", demo=demo, secret_key="x" * 40)
    assert ok.secret_key == "x" * 40


@pytest.mark.parametrize("environment", ["development", "test", "production"])
def test_the_old_public_key_is_refused_everywhere(environment) -> None:
    with pytest.raises(ValidationError, match="publicly known"):
        Settings(_env_file=None, environment=environment, secret_key=OLD_PUBLIC_KEY)


def test_a_cookie_forged_with_the_real_key_signs_nobody_in(
    client: TestClient, make_user, settings
) -> None:
    """Even an attacker holding the signing key cannot name a user: the cookie only
    carries the key of a server-side session."""
    admin = make_user(Role.admin)
    for data in ({"uid": admin.id}, {"sid": "guessed-session-key"}, {"sid": str(admin.id)}):
        client.cookies.set(settings.session_cookie_name, signed_cookie(settings.secret_key, data))
        assert client.get(ME).status_code == 401
        assert client.get("/admin/users", follow_redirects=False).status_code == 303
    # The old signed bearer token format is refused too.
    serializer = itsdangerous.URLSafeTimedSerializer(settings.secret_key, salt="api-bearer-token")
    assert client.get(ME, headers=bearer(serializer.dumps({"uid": admin.id}))).status_code == 401


# -- 2. sessions end when they should ---------------------------------------------------


def copied_cookie(page: PageClient, settings) -> str:
    return page.cookies[settings.session_cookie_name]


def replay(app, settings, cookie: str) -> int:
    with TestClient(app) as thief:
        thief.cookies.set(settings.session_cookie_name, cookie)
        return thief.get("/", follow_redirects=False).status_code


def test_a_copied_cookie_dies_with_sign_out(app, page_as, make_user, settings) -> None:
    page = page_as(make_user())
    cookie = copied_cookie(page, settings)
    assert replay(app, settings, cookie) == 200
    assert page.post_form("/logout").status_code == 303
    assert replay(app, settings, cookie) == 303


def test_api_logout_revokes_the_token_that_called_it(client: TestClient, make_user) -> None:
    user = make_user()
    token, other = api_token(client, user), api_token(client, user)
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    assert client.get(ME, headers=bearer(token)).status_code == 401
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 401
    assert client.get(ME, headers=bearer(other)).status_code == 200  # only that one


def test_api_logout_with_the_page_session_needs_csrf_and_ends_it(
    app, page_as, make_user, settings
) -> None:
    page = page_as(make_user())
    cookie = copied_cookie(page, settings)
    assert page.post("/api/v1/auth/logout").status_code == 403  # no CSRF token
    response = page.post("/api/v1/auth/logout", headers={"X-CSRF-Token": page.csrf})
    assert response.status_code == 204
    assert replay(app, settings, cookie) == 303


@pytest.mark.parametrize("change", ["password", "deactivate"])
def test_admin_reset_or_deactivation_ends_every_sign_in(
    app, client: TestClient, page_as, api_as, make_user, settings, session: Session, change
) -> None:
    admin = make_user(Role.admin)
    user = make_user()
    cookie = copied_cookie(page_as(user), settings)
    token = api_token(client, user)
    body = {"password": "a-brand-new-passphrase"} if change == "password" else {}
    if change == "deactivate":
        body = {"is_active": False}
    assert api_as(admin).patch(f"/api/v1/users/{user.id}", json=body).status_code == 200
    assert replay(app, settings, cookie) == 303
    assert client.get(ME, headers=bearer(token)).status_code == 401
    count = select(func.count()).select_from(AuthSession).where(AuthSession.user_id == user.id)
    assert session.exec(count).one() == 0


def test_own_password_change_keeps_this_sign_in_and_ends_the_others(
    app, client: TestClient, page_as, make_user, settings
) -> None:
    user = make_user()
    elsewhere = copied_cookie(page_as(user), settings)
    token = api_token(client, user)
    page = page_as(user)
    weak = page.post_form(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "password1234",
            "new_password_again": "password1234",
        },
    )
    assert weak.status_code == 422 and "よく使われる" in weak.text
    wrong = page.post_form(
        "/account/password",
        {
            "current_password": "not-it-at-all",
            "new_password": "a-brand-new-passphrase",
            "new_password_again": "a-brand-new-passphrase",
        },
    )
    assert wrong.status_code == 422 and "現在のパスワードが正しくありません" in wrong.text
    assert replay(app, settings, elsewhere) == 200  # nothing changed yet
    done = page.post_form(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a-brand-new-passphrase",
            "new_password_again": "a-brand-new-passphrase",
        },
    )
    assert done.status_code == 303
    assert page.get("/", follow_redirects=False).status_code == 200
    assert replay(app, settings, elsewhere) == 303
    assert client.get(ME, headers=bearer(token)).status_code == 401
    signed_in = client.post(
        "/api/v1/auth/token", data={"username": user.email, "password": "a-brand-new-passphrase"}
    )
    assert signed_in.status_code == 200


def test_password_change_through_the_api(client: TestClient, make_user) -> None:
    user = make_user()
    token, other = api_token(client, user), api_token(client, user)
    url = "/api/v1/users/me/password"
    short = client.put(
        url, json={"current_password": PASSWORD, "new_password": "short"}, headers=bearer(token)
    )
    assert short.status_code == 422
    assert short.json()["errors"][0]["loc"] == ["body", "new_password"]
    assert "12文字以上" in short.json()["errors"][0]["msg"]
    body = {"current_password": PASSWORD, "new_password": "a-brand-new-passphrase"}
    assert client.put(url, json=body, headers=bearer(token)).status_code == 204
    assert client.get(ME, headers=bearer(token)).status_code == 200
    assert client.get(ME, headers=bearer(other)).status_code == 401


def test_a_session_ends_after_the_absolute_lifetime_however_active(
    settings, db_engine, make_user, monkeypatch
) -> None:
    long_idle = settings.model_copy(
        update={"session_lifetime_minutes": 7 * 24 * 60, "session_absolute_lifetime_hours": 24}
    )
    user = make_user()
    with PageClient(create_app(long_idle, engine=db_engine)) as page:
        page.refresh_csrf("/login")
        page.post_form("/login", {"email": user.email, "password": PASSWORD, "next": "/"})
        start = utcnow()
        for hours in (6, 12, 18, 23):  # used every few hours: still signed in
            monkeypatch.setattr(sessions, "utcnow", lambda h=hours: start + timedelta(hours=h))
            assert page.get("/", follow_redirects=False).status_code == 200
        monkeypatch.setattr(sessions, "utcnow", lambda: start + timedelta(hours=24, minutes=1))
        assert page.get("/", follow_redirects=False).status_code == 303


def test_users_see_and_end_their_own_sign_ins_only(
    client: TestClient, page_as, make_user, settings, app
) -> None:
    user, stranger = make_user(), make_user()
    other_cookie = copied_cookie(page_as(user), settings)
    token = api_token(client, user)
    stranger_token = api_token(client, stranger)
    listed = client.get("/api/v1/auth/sessions", headers=bearer(token)).json()
    assert listed["total"] == 2
    assert {item["kind"] for item in listed["items"]} == {"browser", "token"}
    assert [item["current"] for item in listed["items"] if item["kind"] == "token"] == [True]
    assert all("key" not in item and "key_hash" not in item for item in listed["items"])
    browser_id = next(item["id"] for item in listed["items"] if item["kind"] == "browser")
    # Someone else's session id is simply not found.
    refused = client.delete(f"/api/v1/auth/sessions/{browser_id}", headers=bearer(stranger_token))
    assert refused.status_code == 404
    assert replay(app, settings, other_cookie) == 200
    assert (
        client.delete(f"/api/v1/auth/sessions/{browser_id}", headers=bearer(token)).status_code
        == 204
    )
    assert replay(app, settings, other_cookie) == 303


def test_the_account_page_lists_sign_ins_and_signs_the_others_out(
    app, page_as, make_user, settings
) -> None:
    user = make_user()
    elsewhere = copied_cookie(page_as(user), settings)
    page = page_as(user)
    html = page.get("/account").text
    assert "ログイン中の端末" in html and "この端末" in html
    assert html.count('/revoke"') == 2
    assert page.post_form("/account/sessions/revoke-others").status_code == 303
    assert replay(app, settings, elsewhere) == 303
    assert page.get("/account").text.count('/revoke"') == 1
