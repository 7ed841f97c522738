"""Issue 13: the server delivers by itself (the lifespan's deliverer thread in each of two
uvicorn workers, as `make run` does), each delivery exactly once, and a restart loses
nothing: rows written while no server ran are sent once one starts."""

import time

import httpx
from sqlmodel import Session, select

from app.config import Settings
from app.models import WebhookDelivery
from tests.api.review_support import draft, submitted
from tests.conftest import PASSWORD
from tests.live import live_server
from tests.webhooks.conftest import subscribe, verify

HOOKS, BEFORE, DURING = 8, 2, 6


def test_the_server_delivers_each_delivery_once_with_two_workers(
    settings: Settings, admin_api, wh_api, make_user, receiver, session: Session
) -> None:
    # Each action commits eight rows at once, and the receiver answers slowly: both
    # workers' deliverers go for the same rows at the same time.
    for n in range(HOOKS):
        subscribe(admin_api, f"{receiver.url}?hook={n}")
    receiver.delay = 0.05
    author = make_user()
    author_api = wh_api(author)
    # Actions taken while no server runs: their rows wait in the outbox.
    for _ in range(BEFORE):
        submitted(author_api)
    pending = [draft(author_api) for _ in range(DURING)]
    assert receiver.received() == []

    env = {"WEBHOOK_POLL_SECONDS": "0.1", "WEBHOOK_RETRY_BASE_SECONDS": "0.5"}
    with live_server(settings, workers=2, **env) as server:
        receiver.wait_for(HOOKS * BEFORE)
        token = httpx.post(
            f"{server.url}/api/v1/auth/token",
            data={"username": author.email, "password": PASSWORD},
        ).json()["access_token"]
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as live:
            for pid in pending:
                assert live.post(f"/api/v1/proposals/{pid}/submit", json={}).status_code == 200
        receiver.wait_for(HOOKS * (BEFORE + DURING))
        time.sleep(1.5)  # several more polls of both workers: nothing more may arrive
        arrived = receiver.received()

    session.expire_all()
    rows = session.exec(select(WebhookDelivery)).all()
    assert len(rows) == HOOKS * (BEFORE + DURING)
    assert sorted(r.delivery_id for r in arrived) == sorted(row.id for row in rows)
    for request in arrived:
        verify(request)
        assert request.json["id"] == request.delivery_id
    assert {r.json["data"]["proposal_id"] for r in arrived} >= set(pending)
    assert all(row.attempts == 1 and row.status_code == 200 and row.delivered_at for row in rows)
