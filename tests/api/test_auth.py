"""POST /auth/token, GET /users/me: tokens, expiry, tampering, throttling, no enumeration."""

import itsdangerous.timed
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from app.models import LoginFailure
from app.models.enums import Role
from app.security import issue_token
from tests.conftest import PASSWORD


def token_for(client: TestClient, email: str, password: str):
    return client.post("/api/v1/auth/token", data={"username": email, "password": password})


def test_token_then_me(client: TestClient, make_user) -> None:
    user = make_user(Role.reviewer, Role.finance, name="山田 花子")
    response = token_for(client, user.email, PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json() == {
        "id": user.id,
        "email": user.email,
        "name": "山田 花子",
        "department_id": user.department_id,
        "roles": ["staff", "reviewer", "finance"],
        "position": None,
        "employment_type": "regular",
    }


def test_email_is_case_insensitive(client: TestClient, make_user) -> None:
    user = make_user(email="Hanako.Yamada@Test.Example")
    assert user.email == "hanako.yamada@test.example"
    assert token_for(client, "HANAKO.YAMADA@test.example", PASSWORD).status_code == 200


def test_bad_credentials_look_the_same_whatever_was_wrong(client: TestClient, make_user) -> None:
    user = make_user()
    disabled = make_user(is_active=False)
    wrong_password = token_for(client, user.email, "not-the-password")
    unknown_email = token_for(client, "nobody@test.example", PASSWORD)
    inactive = token_for(client, disabled.email, PASSWORD)
    for response in (wrong_password, unknown_email, inactive):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
    assert wrong_password.json() == unknown_email.json() == inactive.json()


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-token", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"],
)
def test_bad_authorization_headers_are_401(client: TestClient, make_user, header: str) -> None:
    make_user()
    response = client.get("/api/v1/users/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["status"] == 401


def test_tampered_token_is_401(client: TestClient, make_user, settings) -> None:
    user = make_user()
    other = make_user()
    token = issue_token(settings.secret_key, user.id)
    signature = token.rpartition(".")[2]
    forged = issue_token(settings.secret_key, other.id).rpartition(".")[0] + "." + signature
    assert (
        client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {forged}"}).status_code
        == 401
    )
    wrong_key = issue_token("another-secret-key", user.id)
    assert (
        client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {wrong_key}"}).status_code
        == 401
    )


def test_expired_token_is_401(client: TestClient, make_user, settings, monkeypatch) -> None:
    user = make_user()
    now = itsdangerous.timed.time.time()
    lifetime = settings.token_lifetime_minutes * 60
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: now - lifetime - 5)
    old = issue_token(settings.secret_key, user.id)
    monkeypatch.undo()
    fresh = issue_token(settings.secret_key, user.id)
    assert (
        client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {old}"}).status_code
        == 401
    )
    assert (
        client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {fresh}"}).status_code
        == 200
    )


def test_token_of_a_disabled_user_stops_working(
    client: TestClient, make_user, session, settings
) -> None:
    user = make_user()
    token = issue_token(settings.secret_key, user.id)
    user.is_active = False
    session.add(user)
    session.commit()
    assert (
        client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )


def test_no_credentials_is_401_with_bearer_challenge(client: TestClient) -> None:
    response = client.get("/api/v1/users/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def count_failures(session: Session) -> int:
    return session.exec(select(func.count()).select_from(LoginFailure)).one()


def test_repeated_failures_for_one_account_are_throttled(
    client: TestClient, make_user, settings, session: Session
) -> None:
    user = make_user()
    for _ in range(settings.login_max_failures_per_account):
        assert token_for(client, user.email, "wrong-password").status_code == 401
    blocked = token_for(client, user.email, PASSWORD)
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert blocked.headers["content-type"] == "application/problem+json"
    # Unknown accounts are throttled the same way, so 429 tells nothing either.
    for _ in range(settings.login_max_failures_per_account):
        token_for(client, "ghost@test.example", "x")
    assert token_for(client, "ghost@test.example", "x").status_code == 429
    # A throttled attempt is refused before the password is checked: nothing more recorded.
    before = count_failures(session)
    token_for(client, user.email, "wrong-again")
    assert count_failures(session) == before


def test_repeated_failures_from_one_address_are_throttled(
    client: TestClient, make_user, settings
) -> None:
    user = make_user()
    for n in range(settings.login_max_failures_per_address):
        token_for(client, f"spray{n}@test.example", "guess-password")
    assert token_for(client, user.email, PASSWORD).status_code == 429


def test_success_clears_the_accounts_failures(client: TestClient, make_user, settings) -> None:
    user = make_user()
    for _ in range(settings.login_max_failures_per_account - 1):
        token_for(client, user.email, "wrong-password")
    assert token_for(client, user.email, PASSWORD).status_code == 200
    for _ in range(settings.login_max_failures_per_account - 1):
        token_for(client, user.email, "wrong-password")
    assert token_for(client, user.email, PASSWORD).status_code == 200
