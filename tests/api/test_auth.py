"""POST /auth/token, GET /users/me: tokens, expiry, tampering, throttling, no enumeration."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from app.models import AuthSession, LoginThrottle
from app.models.enums import Role
from app.models.types import utcnow
from app.services import sessions as sessions_service
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


def test_a_token_is_random_stored_hashed_and_altered_tokens_are_401(
    client: TestClient, make_user, session: Session
) -> None:
    user = make_user()
    token = token_for(client, user.email, PASSWORD).json()["access_token"]
    second = token_for(client, user.email, PASSWORD).json()["access_token"]
    assert len(token) >= 40 and token != second
    stored = session.exec(select(AuthSession.key_hash)).all()
    assert len(stored) == 2 and token not in stored and second not in stored
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for candidate in (altered, token + "x", token[:-1]):
        response = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {candidate}"})
        assert response.status_code == 401
    assert (
        client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )


def test_expired_token_is_401(client: TestClient, make_user, settings, monkeypatch) -> None:
    user = make_user()
    token = token_for(client, user.email, PASSWORD).json()["access_token"]
    later = utcnow() + timedelta(minutes=settings.token_lifetime_minutes, seconds=5)
    monkeypatch.setattr(sessions_service, "utcnow", lambda: later)
    assert (
        client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )
    monkeypatch.undo()
    fresh = token_for(client, user.email, PASSWORD).json()["access_token"]
    assert (
        client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {fresh}"}).status_code
        == 200
    )


def test_token_of_a_disabled_user_stops_working(
    client: TestClient, make_user, session, settings
) -> None:
    user = make_user()
    token = token_for(client, user.email, PASSWORD).json()["access_token"]
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
    return session.exec(select(func.coalesce(func.sum(LoginThrottle.attempts), 0))).one()


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
