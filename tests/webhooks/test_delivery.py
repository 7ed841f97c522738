"""Issue 13: deliveries reach a real HTTP receiver signed, with the contract's headers and
body, once each; failures are retried on schedule, then given up; a rolled-back action
sends nothing; a redelivery repeats the uuid; parallel deliverers send each attempt once.
The deliverers run in the test process here (tests/webhooks/test_live.py: in the server)."""

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, update
from sqlmodel import Session, select

from app.config import BASE_DIR, Settings
from app.models import Proposal, ProposalEvent, Webhook, WebhookDelivery
from app.models.enums import Role, Status
from app.models.types import utcnow
from app.rules import Action
from app.services import lifecycle, webhooks
from app.services.webhook_delivery import background_deliverer, claim_next, deliver_due, record
from tests.api.review_support import draft, submitted
from tests.conftest import bearer_token
from tests.helpers import proposal_in
from tests.live import free_port
from tests.webhooks.conftest import API, deliveries, subscribe, verify

ENVELOPE = {"id", "event", "occurred_at", "data"}
DATA = {"proposal_id", "number", "action", "from_status", "to_status", "fiscal_year"}


def outbox(session: Session) -> list[WebhookDelivery]:
    session.expire_all()
    return list(session.exec(select(WebhookDelivery).order_by(WebhookDelivery.created_at)))


def test_a_status_change_arrives_signed_with_its_headers_and_body_once(
    admin_api, wh_api, wh_settings, db_engine, make_user, receiver, session: Session
) -> None:
    hook = subscribe(admin_api, receiver.url, events=["proposal.status_changed"])
    author_api = wh_api(make_user(name="山田 秘密の名前"))
    pid = draft(author_api, title="題名は送らない")
    assert outbox(session) == []  # creating a draft is no status change
    author_api.post(f"{API}/proposals/{pid}/submit", json={})
    assert len(outbox(session)) == 1

    assert deliver_due(db_engine, settings=wh_settings).delivered == 1
    [request] = receiver.wait_for(1)
    verify(request)
    assert request.path == "/hook"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-teian-event"] == "proposal.status_changed"
    body = request.json
    assert set(body) == ENVELOPE and set(body["data"]) == DATA
    assert body["id"] == request.delivery_id
    proposal = session.get(Proposal, pid)
    assert body["event"] == "proposal.status_changed"
    assert body["data"] == {
        "proposal_id": pid,
        "number": None,
        "action": "submit",
        "from_status": "draft",
        "to_status": "submitted",
        "fiscal_year": proposal.fiscal_year,
    }
    assert "T" in body["occurred_at"] and body["occurred_at"].endswith("+00:00")
    assert "秘密" not in request.body.decode() and "題名" not in request.body.decode()

    # Nothing more is sent: the next passes find nothing due.
    assert deliver_due(db_engine, settings=wh_settings).delivered == 0
    time.sleep(0.2)
    assert len(receiver.received()) == 1
    [listed] = deliveries(admin_api, hook["id"])
    assert listed["id"] == request.delivery_id
    assert (listed["status_code"], listed["attempts"], listed["error"]) == (200, 1, None)
    assert listed["delivered_at"] and listed["next_attempt_at"] is None


def test_every_lifecycle_action_is_sent_to_every_subscribed_active_webhook(
    admin_api, wh_api, wh_settings, db_engine, make_user, receiver, session: Session
) -> None:
    subscribe(admin_api, receiver.url, events=["*"])
    subscribe(admin_api, receiver.url + "?second", events=["proposal.status_changed", "*"])
    paused = subscribe(admin_api, receiver.url + "?paused", events=["*"])
    session.exec(update(Webhook).where(Webhook.id == paused["id"]).values(active=False))
    session.commit()
    author_api = wh_api(make_user())
    secretariat_api = wh_api(make_user(Role.secretariat))
    pid = submitted(author_api)
    accepted = secretariat_api.post(f"{API}/proposals/{pid}/accept", json={})
    assert accepted.status_code == 200, accepted.text

    # submit and accept, each to the two active webhooks; the inactive one gets no rows.
    assert deliver_due(db_engine, settings=wh_settings).delivered == 4
    arrived = receiver.wait_for(4)
    for request in arrived:
        verify(request)
    assert len({r.delivery_id for r in arrived}) == 4
    assert sorted((r.path, r.json["data"]["action"]) for r in arrived) == [
        ("/hook", "accept"),
        ("/hook", "submit"),
        ("/hook?second", "accept"),
        ("/hook?second", "submit"),
    ]
    accept = next(r.json["data"] for r in arrived if r.json["data"]["action"] == "accept")
    assert accept["number"] == accepted.json()["number"]
    assert (accept["from_status"], accept["to_status"]) == ("submitted", "in_review")
    assert len(outbox(session)) == 4
    assert not [d for d in outbox(session) if d.webhook_id == paused["id"]]


def test_a_receiver_failing_twice_gets_the_retries_on_schedule(
    admin_api, wh_api, wh_settings, db_engine, make_user, receiver, session: Session
) -> None:
    """WEBHOOK_RETRY_BASE_SECONDS = 0.2: the second attempt 0.2 s after the first, the
    third 0.6 s after the second; the deliverer thread polls every 0.05 s."""
    receiver.answers = [500, 500]
    hook = subscribe(admin_api, receiver.url)
    submitted(wh_api(make_user()))
    running = wh_settings.model_copy(update={"webhook_delivery_enabled": True})
    with background_deliverer(db_engine, running):
        first, second, third = receiver.wait_for(3)
        time.sleep(0.5)
    assert len(receiver.received()) == 3
    assert [r.answered for r in (first, second, third)] == [500, 500, 200]
    assert first.delivery_id == second.delivery_id == third.delivery_id
    assert first.body == second.body == third.body
    for request in (first, second, third):
        verify(request)
    assert 0.2 <= second.at - first.at < 0.2 + 0.5
    assert 0.6 <= third.at - second.at < 0.6 + 0.5
    [row] = deliveries(admin_api, hook["id"])
    assert (row["attempts"], row["status_code"], row["error"]) == (3, 200, None)
    assert row["delivered_at"] is not None and row["next_attempt_at"] is None


def test_a_delivery_is_given_up_after_the_last_attempt_and_kept_with_its_error(
    admin_api, wh_api, wh_settings, db_engine, make_user, receiver
) -> None:
    receiver.answers = [503] * 10
    settings = wh_settings.model_copy(update={"webhook_retry_base_seconds": 0.01})
    hook = subscribe(admin_api, receiver.url)
    submitted(wh_api(make_user()))
    for _ in range(settings.webhook_max_attempts):
        deliver_due(db_engine, settings=settings)
        time.sleep(0.3)  # the longest wait here is 0.01 × 3^3 = 0.27 s
    assert deliver_due(db_engine, settings=settings).delivered == 0
    assert len(receiver.received()) == settings.webhook_max_attempts == 5
    [row] = deliveries(admin_api, hook["id"])
    assert (row["attempts"], row["status_code"], row["error"]) == (5, 503, "HTTP 503")
    assert row["delivered_at"] is None and row["next_attempt_at"] is None


def test_an_unreachable_receiver_is_retried_later(
    admin_api, wh_api, wh_settings, db_engine, make_user, receiver
) -> None:
    hook = subscribe(admin_api, f"http://127.0.0.1:{free_port()}/nobody-listens")
    submitted(wh_api(make_user()))
    result = deliver_due(db_engine, settings=wh_settings)
    assert (result.delivered, result.failed) == (0, 1)
    [row] = deliveries(admin_api, hook["id"])
    assert row["attempts"] == 1 and row["status_code"] is None
    assert row["error"] and row["next_attempt_at"] is not None


def test_a_rolled_back_action_enqueues_nothing(
    admin_api, wh_app, wh_settings, db_engine, make_user, receiver, session: Session, monkeypatch
) -> None:
    subscribe(admin_api, receiver.url)
    author = make_user()

    # perform(commit=False) leaves the commit to the caller; the caller rolls back.
    proposal = proposal_in(session, Status.draft, author=author)
    lifecycle.perform(session, proposal=proposal, user=author, action=Action.submit, commit=False)
    assert len(outbox(session)) == 1  # flushed inside the transaction…
    session.rollback()
    assert outbox(session) == []  # …and gone with it
    assert session.get(Proposal, proposal.id).status == "draft"

    # A fault after the rows were added: the API answers 500 and nothing of it remains.
    enqueue = webhooks.enqueue_status_changed

    def enqueue_then_fail(*args, **kwargs):
        enqueue(*args, **kwargs)
        raise RuntimeError("the action failed after its webhook rows were added")

    monkeypatch.setattr(webhooks, "enqueue_status_changed", enqueue_then_fail)
    author_api = TestClient(wh_app, raise_server_exceptions=False)
    author_api.headers["Authorization"] = f"Bearer {bearer_token(db_engine, wh_settings, author)}"
    pid = draft(author_api)
    events = session.exec(select(func.count()).select_from(ProposalEvent)).one()
    assert author_api.post(f"{API}/proposals/{pid}/submit", json={}).status_code == 500
    assert outbox(session) == []
    assert session.get(Proposal, pid).status == "draft"
    assert session.exec(select(func.count()).select_from(ProposalEvent)).one() == events


def test_redelivery_sends_the_same_uuid_and_body_again(
    admin_api, wh_api, wh_settings, db_engine, make_user, receiver
) -> None:
    hook = subscribe(admin_api, receiver.url)
    other = subscribe(admin_api, receiver.url + "?other", events=["proposal.status_changed"])
    submitted(wh_api(make_user()))
    deliver_due(db_engine, settings=wh_settings)
    first = next(r for r in receiver.wait_for(2) if r.path == "/hook")
    path = f"{API}/webhooks/{hook['id']}/deliveries/{first.delivery_id}/redeliver"

    response = admin_api.post(path)
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["id"] == first.delivery_id
    assert (queued["attempts"], queued["delivered_at"]) == (0, None)
    assert queued["next_attempt_at"] is not None
    assert deliver_due(db_engine, settings=wh_settings).delivered == 1
    again = receiver.wait_for(3)[-1]
    verify(again)
    assert (again.path, again.delivery_id, again.body) == ("/hook", first.delivery_id, first.body)
    [row] = deliveries(admin_api, hook["id"])
    assert (row["attempts"], row["status_code"]) == (1, 200)

    missing = f"{API}/webhooks/{hook['id']}/deliveries/00000000-0000-4000-8000-000000000000"
    assert admin_api.post(f"{missing}/redeliver").status_code == 404
    # A delivery of another webhook is not found under this one.
    foreign = deliveries(admin_api, other["id"])[0]["id"]
    answer = admin_api.post(f"{API}/webhooks/{hook['id']}/deliveries/{foreign}/redeliver")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


def test_redelivery_is_refused_while_the_delivery_is_being_sent(
    admin_api, wh_api, make_user, receiver, session: Session
) -> None:
    hook = subscribe(admin_api, receiver.url)
    submitted(wh_api(make_user()))
    [row] = outbox(session)
    assert claim_next(session.get_bind()) is not None  # a deliverer holds it
    answer = admin_api.post(f"{API}/webhooks/{hook['id']}/deliveries/{row.id}/redeliver")
    assert answer.status_code == 409, answer.text


def test_parallel_deliverers_send_each_attempt_once(
    admin_api, wh_api, wh_settings, db_engine, make_user, receiver, session: Session
) -> None:
    """Eight deliverers at once over thirty due rows: every row is claimed by one."""
    subscribe(admin_api, receiver.url)
    author = make_user()
    for _ in range(30):
        proposal_in(session, Status.draft, author=author)
    for proposal in session.exec(select(Proposal)).all():
        lifecycle.perform(session, proposal=proposal, user=author, action=Action.submit)
    assert len(outbox(session)) == 30
    barrier = threading.Barrier(8)

    def deliverer(_: int):
        barrier.wait()
        return deliver_due(db_engine, settings=wh_settings).delivered

    with ThreadPoolExecutor(max_workers=8) as pool:
        delivered = sum(pool.map(deliverer, range(8)))
    arrived = receiver.wait_for(30)
    time.sleep(0.2)
    assert delivered == 30
    assert len(receiver.received()) == 30
    assert sorted(r.delivery_id for r in arrived) == sorted(d.id for d in outbox(session))
    assert all(d.attempts == 1 and d.delivered_at for d in outbox(session))


def test_python_m_app_deliver_webhooks_sends_what_is_due(
    admin_api, wh_api, settings: Settings, make_user, receiver
) -> None:
    subscribe(admin_api, receiver.url)
    submitted(wh_api(make_user()))
    env = {
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key or "",
        "ENVIRONMENT": "test",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-m", "app", "deliver-webhooks"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "1 delivered" in done.stdout
    verify(receiver.wait_for(1)[0])


@pytest.mark.parametrize("allowed", ["127.0.0.2", "hooks.example.org"])
def test_a_host_no_longer_allowed_is_not_sent_to(
    admin_api, wh_api, wh_settings, db_engine, make_user, receiver, allowed: str
) -> None:
    hook = subscribe(admin_api, receiver.url)  # allowed when it was created (any host)
    submitted(wh_api(make_user()))
    narrowed = wh_settings.model_copy(update={"webhook_allowed_hosts": allowed})
    assert deliver_due(db_engine, settings=narrowed).given_up == 1
    time.sleep(0.1)
    assert receiver.received() == []
    [row] = deliveries(admin_api, hook["id"])
    assert "WEBHOOK_ALLOWED_HOSTS" in row["error"] and row["next_attempt_at"] is None


def test_a_claim_left_by_a_dead_deliverer_expires_and_the_delivery_is_sent(
    admin_api, wh_api, wh_settings, db_engine, make_user, receiver, session: Session
) -> None:
    hook = subscribe(admin_api, receiver.url)
    submitted(wh_api(make_user()))
    dead = claim_next(db_engine)  # a deliverer claims the row, then dies before sending
    assert dead is not None
    assert deliver_due(db_engine, settings=wh_settings).delivered == 0  # still claimed
    session.exec(
        update(WebhookDelivery).values(locked_until=utcnow() - timedelta(seconds=1))
    )  # …until the lease runs out
    session.commit()
    assert deliver_due(db_engine, settings=wh_settings).delivered == 1
    [request] = receiver.wait_for(1)
    verify(request)
    assert request.delivery_id == dead.delivery_id
    # The dead deliverer's outcome, should it ever come, no longer counts.
    record(db_engine, dead, status_code=None, error="late", settings=wh_settings)
    [row] = deliveries(admin_api, hook["id"])
    assert (row["attempts"], row["status_code"], row["error"]) == (2, 200, None)
    assert row["delivered_at"] is not None
