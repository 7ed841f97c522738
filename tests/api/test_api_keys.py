"""Service keys (API.md "Service keys", docs/api-keys.md): created by an admin and shown
once, stored hashed, limited to their scopes, refused once expired or revoked."""

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import ApiKey
from app.models.enums import Role, Status
from app.services import api_keys
from app.wareki import today_jst
from tests.helpers import proposal_in

API = "/api/v1"


def create(admin_api: TestClient, *scopes: str, **fields) -> dict:
    body = {"name": "庁内ポータル", "scopes": list(scopes), **fields}
    response = admin_api.post(f"{API}/api-keys", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def with_key(client: TestClient, key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def admin_api(api_as, make_user) -> TestClient:
    return api_as(make_user(Role.admin))


def test_a_key_is_shown_once_and_stored_hashed(
    admin_api: TestClient, session: Session, client: TestClient
) -> None:
    created = create(admin_api, "proposals:read", "stats:read")
    key = created["key"]
    assert key.startswith(created["prefix"] + "_") and len(key) > 40
    assert set(created) >= {"id", "name", "scopes", "prefix", "key", "created_at"}
    assert created["scopes"] == ["proposals:read", "stats:read"]
    listed = admin_api.get(f"{API}/api-keys").json()
    assert listed["total"] == 1 and "key" not in listed["items"][0]
    assert listed["items"][0]["prefix"] == created["prefix"]
    row = session.exec(select(ApiKey)).one()
    assert key not in (row.key_hash, row.prefix) and row.key_hash != key
    assert client.get(f"{API}/stats", headers=with_key(client, key)).status_code == 200


def test_proposals_read_sees_adopted_and_later_only(
    admin_api: TestClient, client: TestClient, session: Session, make_user
) -> None:
    author = make_user()
    public = proposal_in(session, Status.adopted, author=author, title="公開される提案")
    hidden = proposal_in(session, Status.submitted, author=author, title="審査前の提案")
    key = create(admin_api, "proposals:read")["key"]
    headers = with_key(client, key)
    listed = client.get(f"{API}/proposals", headers=headers).json()
    assert [p["id"] for p in listed["items"]] == [public.id]
    assert client.get(f"{API}/proposals/{public.id}", headers=headers).status_code == 200
    assert client.get(f"{API}/proposals/{hidden.id}", headers=headers).status_code == 404
    assert client.get(f"{API}/initiatives", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("scopes", "method", "path", "status"),
    [
        (["proposals:read"], "GET", "/stats", 403),
        (["proposals:read"], "POST", "/proposals", 403),
        (["proposals:read"], "GET", "/users", 403),
        (["proposals:read"], "GET", "/users/me", 403),
        (["proposals:read"], "GET", "/api-keys", 403),
        (["proposals:read"], "POST", "/auth/logout", 403),
        (["stats:read"], "GET", "/proposals", 403),
        (["stats:read"], "GET", "/stats", 200),
        (["users:read"], "GET", "/users", 200),
        (["users:read"], "GET", "/departments", 200),
        (["users:read"], "POST", "/departments", 403),
        (["users:read"], "POST", "/api-keys", 403),
        (["users:read"], "GET", "/exports/proposals.csv", 403),
    ],
)
def test_a_key_works_only_within_its_scopes(
    admin_api: TestClient, client: TestClient, scopes, method, path, status
) -> None:
    key = create(admin_api, *scopes)["key"]
    body = {"name": "x", "code": "999", "scopes": ["stats:read"]} if method == "POST" else None
    response = client.request(method, f"{API}{path}", json=body, headers=with_key(client, key))
    assert response.status_code == status, response.text
    if status == 403:
        assert response.headers["content-type"] == "application/problem+json"


def test_a_revoked_key_is_401(admin_api: TestClient, client: TestClient) -> None:
    created = create(admin_api, "stats:read")
    headers = with_key(client, created["key"])
    assert client.get(f"{API}/stats", headers=headers).status_code == 200
    assert admin_api.delete(f"{API}/api-keys/{created['id']}").status_code == 204
    assert client.get(f"{API}/stats", headers=headers).status_code == 401
    listed = admin_api.get(f"{API}/api-keys").json()["items"][0]
    assert listed["revoked_at"] is not None
    assert admin_api.delete(f"{API}/api-keys/999999").status_code == 404


def test_a_key_works_through_its_last_day(
    admin_api: TestClient, client: TestClient, monkeypatch
) -> None:
    today = today_jst()
    created = create(admin_api, "stats:read", expires_on=today.isoformat())
    headers = with_key(client, created["key"])
    assert client.get(f"{API}/stats", headers=headers).status_code == 200
    monkeypatch.setattr(api_keys, "today_jst", lambda: today + timedelta(days=1))
    assert client.get(f"{API}/stats", headers=headers).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "scopes": ["stats:read"], "expires_on": "2001-01-01"},  # past
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": ["everything"]},
        {"name": "", "scopes": ["stats:read"]},
        {"name": "x", "scopes": ["stats:read"], "key": "chosen"},
    ],
)
def test_bad_keys_are_422_and_write_nothing(admin_api: TestClient, session: Session, body) -> None:
    response = admin_api.post(f"{API}/api-keys", json=body)
    assert response.status_code == 422, response.text
    assert session.exec(select(ApiKey)).all() == []


@pytest.mark.parametrize("role", [Role.staff, Role.secretariat, Role.finance, Role.reviewer])
def test_only_admins_manage_keys(api_as, make_user, admin_api: TestClient, role) -> None:
    created = create(admin_api, "stats:read")
    other = api_as(make_user(role))
    assert other.get(f"{API}/api-keys").status_code == 403
    assert (
        other.post(f"{API}/api-keys", json={"name": "x", "scopes": ["stats:read"]}).status_code
        == 403
    )
    assert other.delete(f"{API}/api-keys/{created['id']}").status_code == 403


def test_no_credentials_is_401(client: TestClient) -> None:
    assert client.get(f"{API}/api-keys").status_code == 401
    assert (
        client.get(f"{API}/stats", headers={"Authorization": "Bearer teian_nope_x"}).status_code
        == 401
    )


def test_the_admin_page_creates_shows_once_and_revokes(
    page_as, make_user, client: TestClient, session: Session
) -> None:
    page = page_as(make_user(Role.admin))
    html = page.get("/admin/api-keys").text
    assert "サービスキー" in html and "proposals:read" in html
    refused = page.post_form("/admin/api-keys", {"name": "", "scopes": []})
    assert refused.status_code == 422 and "入力内容に誤りがあります" in refused.text
    created = page.post_form("/admin/api-keys", {"name": "ポータル", "scopes": ["stats:read"]})
    assert created.status_code == 201
    key = re.search(r'id="new-key">([^<]+)<', created.text).group(1)
    assert client.get(f"{API}/stats", headers=with_key(client, key)).status_code == 200
    assert key not in page.get("/admin/api-keys").text  # shown once
    row = session.exec(select(ApiKey)).one()
    assert page.post_form(f"/admin/api-keys/{row.id}/revoke").status_code == 303
    assert client.get(f"{API}/stats", headers=with_key(client, key)).status_code == 401


def test_the_page_is_for_admins_only(page_as, make_user) -> None:
    page = page_as(make_user(Role.secretariat))
    assert page.get("/admin/api-keys").status_code == 403
