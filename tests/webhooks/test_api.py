"""Issue 13: /api/v1/webhooks as API.md fixes it — admin only, role by role; the secret in
the creation's answer only; validation (422), allowed hosts, deletion, the deliveries'
envelope newest first; named schemas in /openapi.json."""

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, select

from app.main import create_app
from app.models import WebhookDelivery
from app.models.enums import Role
from app.models.types import utcnow
from tests.api.review_support import submitted
from tests.conftest import bearer_token
from tests.webhooks.conftest import API, SECRET, deliveries, subscribe

HOOK = {"url": "https://portal.example.org/teian", "events": ["*"]}


def test_creation_shows_the_secret_once_and_never_again(admin_api, wh_api, make_user) -> None:
    generated = admin_api.post(f"{API}/webhooks", json=HOOK)
    assert generated.status_code == 201, generated.text
    body = generated.json()
    assert set(body) == {"id", "url", "events", "active", "secret", "created_at"}
    assert (body["url"], body["events"], body["active"]) == (HOOK["url"], ["*"], True)
    assert len(body["secret"]) >= 32
    given = subscribe(admin_api, "http://127.0.0.1:9/x", events=["proposal.status_changed"])
    assert given["secret"] == SECRET
    submitted(wh_api(make_user()))  # deliveries to list

    listing = admin_api.get(f"{API}/webhooks")
    assert listing.status_code == 200
    page = listing.json()
    assert (page["total"], page["limit"], page["offset"]) == (2, 50, 0)
    assert [item["id"] for item in page["items"]] == [body["id"], given["id"]]
    assert all("secret" not in item for item in page["items"])
    for answer in (listing, admin_api.get(f"{API}/webhooks/{given['id']}/deliveries")):
        assert body["secret"] not in answer.text and SECRET not in answer.text
    openapi = admin_api.get("/openapi.json").text
    assert body["secret"] not in openapi


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://portal.example.org/x", "events": ["*"]}, "url"),
        ({"url": "portal.example.org/x", "events": ["*"]}, "url"),
        ({"url": "https://user:pw@portal.example.org/x", "events": ["*"]}, "url"),
        ({"url": "https:///x", "events": ["*"]}, "url"),
        ({"url": "https://portal.example.org/x", "events": []}, "events"),
        ({"url": "https://portal.example.org/x", "events": ["proposal.created"]}, "events"),
        ({"url": "https://portal.example.org/x", "events": "*"}, "events"),
        ({"url": "https://portal.example.org/x", "events": ["*"], "secret": "short"}, "secret"),
        ({"url": "https://portal.example.org/x", "events": ["*"], "active": False}, "active"),
        ({"events": ["*"]}, "url"),
    ],
)
def test_invalid_subscriptions_are_422(admin_api, body: dict, field: str) -> None:
    answer = admin_api.post(f"{API}/webhooks", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in {str(part) for error in answer.json()["errors"] for part in error["loc"]}
    assert admin_api.get(f"{API}/webhooks").json()["total"] == 0


def test_allowed_hosts_limit_where_subscriptions_may_point(
    wh_settings, db_engine, make_user
) -> None:
    settings = wh_settings.model_copy(
        update={"webhook_allowed_hosts": " hooks.example.org, 127.0.0.1 ,[::1]"}
    )
    app = create_app(settings, engine=db_engine)
    with TestClient(app) as api:
        token = bearer_token(db_engine, settings, make_user(Role.admin))
        api.headers["Authorization"] = f"Bearer {token}"

        def create(url: str):
            return api.post(f"{API}/webhooks", json={"url": url, "events": ["*"]})

        for url in (
            "https://hooks.example.org/teian",
            "https://HOOKS.example.org:8443/x",
            "http://127.0.0.1:8080/x",
            "http://[::1]:8080/x",
        ):
            assert create(url).status_code == 201, url
        for url in (
            "https://evil.example.com/x",
            "https://hooks.example.org.evil.example.com/x",
            "http://127.0.0.2/x",
            "http://localhost/x",
        ):
            refused = create(url)
            assert refused.status_code == 422, url
            assert refused.json()["errors"][0]["loc"] == ["body", "url"]
            assert "hooks.example.org" in refused.json()["errors"][0]["msg"]
        assert api.get(f"{API}/webhooks").json()["total"] == 4


def test_deleting_a_webhook_removes_it_with_its_deliveries(
    admin_api, wh_api, make_user, session: Session
) -> None:
    hook = subscribe(admin_api, "http://127.0.0.1:9/x")
    keep = subscribe(admin_api, "http://127.0.0.1:9/y")
    submitted(wh_api(make_user()))
    assert admin_api.delete(f"{API}/webhooks/{hook['id']}").status_code == 204
    assert [w["id"] for w in admin_api.get(f"{API}/webhooks").json()["items"]] == [keep["id"]]
    assert admin_api.get(f"{API}/webhooks/{hook['id']}/deliveries").status_code == 404
    assert admin_api.delete(f"{API}/webhooks/{hook['id']}").status_code == 404
    session.expire_all()
    assert {d.webhook_id for d in session.exec(select(WebhookDelivery))} == {keep["id"]}


def test_deliveries_are_listed_newest_first_in_the_envelope(
    admin_api, wh_api, make_user, session: Session
) -> None:
    hook = subscribe(admin_api, "http://127.0.0.1:9/x")
    author_api = wh_api(make_user())
    for _ in range(3):
        submitted(author_api)
    items = deliveries(admin_api, hook["id"])
    assert len(items) == 3
    assert set(items[0]) == {
        "id",
        "event",
        "status_code",
        "attempts",
        "delivered_at",
        "next_attempt_at",
        "error",
        "created_at",
    }
    created = [item["created_at"] for item in items]
    assert created == sorted(created, reverse=True)
    assert all(item["event"] == "proposal.status_changed" for item in items)
    page = admin_api.get(f"{API}/webhooks/{hook['id']}/deliveries?limit=2&offset=2").json()
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 2)
    assert [item["id"] for item in page["items"]] == [items[2]["id"]]
    assert admin_api.get(f"{API}/webhooks/{hook['id']}/deliveries?limit=201").status_code == 422
    assert admin_api.get(f"{API}/webhooks/999999/deliveries").status_code == 404
    # A delivery given up long ago can be queued again; its list entry shows it due.
    session.exec(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == items[0]["id"])
        .values(attempts=5, error="HTTP 500", next_attempt_at=None)
    )
    session.commit()
    redo = admin_api.post(f"{API}/webhooks/{hook['id']}/deliveries/{items[0]['id']}/redeliver")
    assert redo.status_code == 202
    assert datetime.fromisoformat(redo.json()["next_attempt_at"]) <= utcnow()


@pytest.mark.parametrize(
    "role", [None, Role.supervisor, Role.secretariat, Role.reviewer, Role.finance]
)
def test_only_admins_may_use_webhooks(wh_api, admin_api, make_user, role) -> None:
    hook = subscribe(admin_api, "http://127.0.0.1:9/x")
    api = wh_api(make_user(*([role] if role else [])))
    base = f"{API}/webhooks"
    delivery = f"{base}/{hook['id']}/deliveries/00000000-0000-4000-8000-000000000000"
    calls = [
        ("post", base, HOOK),
        ("get", base, None),
        ("delete", f"{base}/{hook['id']}", None),
        ("get", f"{base}/{hook['id']}/deliveries", None),
        ("post", f"{delivery}/redeliver", None),
    ]
    for method, path, body in calls:
        kwargs = {"json": body} if body is not None else {}
        answer = getattr(api, method)(path, **kwargs)
        assert answer.status_code == 403, (method, path, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        anonymous = getattr(TestClient(api.app), method)(path, **kwargs)
        assert anonymous.status_code == 401, (method, path)
    assert admin_api.get(base).json()["total"] == 1


def test_openapi_names_the_webhook_schemas(admin_api) -> None:
    spec = admin_api.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert {"WebhookCreate", "WebhookCreated", "WebhookPublic", "DeliveryPublic"} <= set(schemas)
    assert "secret" not in schemas["WebhookPublic"]["properties"]
    assert schemas["WebhookCreate"]["additionalProperties"] is False
    create = spec["paths"]["/api/v1/webhooks"]["post"]["responses"]
    assert create["201"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/WebhookCreated"
    )
    listing = spec["paths"]["/api/v1/webhooks/{webhook_id}/deliveries"]["get"]["responses"]
    ref = listing["200"]["content"]["application/json"]["schema"]["$ref"]
    assert "DeliveryPublic" in ref
    redeliver = spec["paths"]["/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"]
    assert {"202", "401", "403", "404", "409"} <= set(redeliver["post"]["responses"])
