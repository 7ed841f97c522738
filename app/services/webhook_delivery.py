"""Sending the outbox (docs/webhooks.md, docs/mail.md): claim a due row, send it — POSTed
signed to its webhook, or handed to the SMTP relay for a mail — and record the outcome;
retried after WEBHOOK_RETRY_BASE_SECONDS × 3^(n−1) until WEBHOOK_MAX_ATTEMPTS, then given
up (the row stays, with its error).

Several deliverers may run at once — a thread in every uvicorn worker (`background_
deliverer`, started by the app's lifespan) and `python -m app deliver-webhooks` from cron.
Each attempt is sent once: a deliverer claims a row with one UPDATE whose WHERE says "due
and not claimed by anyone" and goes on only when it changed that row (PostgreSQL
re-checks the WHERE after waiting for a concurrent claimer, SQLite runs writers one at a
time). The claim is a lease: should the deliverer die mid-send, the row is due again once
`locked_until` has passed, so a crash delays a delivery and never loses it. Only the
claimer (`locked_by`) records the outcome.
"""

import hashlib
import hmac
import http.client
import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.config import Settings
from app.models import Webhook, WebhookDelivery
from app.models.types import utcnow
from app.models.webhook import Channel
from app.services import mail
from app.services.webhooks import is_host_allowed

log = logging.getLogger("app.webhooks")

TIMEOUT_SECONDS = 10  # API.md: an answer other than 2xx within 10 s is retried
LEASE = timedelta(seconds=TIMEOUT_SECONDS + 50)
USER_AGENT = "teian-webhooks/1"
HOST_REFUSED = "host not in WEBHOOK_ALLOWED_HOSTS"


def body_of(payload: dict[str, Any]) -> bytes:
    """The exact bytes POSTed (the same on every attempt of a delivery)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """X-Teian-Signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 over "<t>.<body>">`."""
    message = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def retry_delay(settings: Settings, attempts: int) -> timedelta:
    """How long after failed attempt number `attempts` the next one is due."""
    return timedelta(seconds=settings.webhook_retry_base_seconds * 3 ** (attempts - 1))


@dataclass(frozen=True)
class Claim:
    delivery_id: str
    token: str
    attempt: int
    event: str
    body: bytes
    url: str
    secret: str
    channel: str = Channel.webhook.value
    payload: dict[str, Any] | None = None


@dataclass
class PassResult:
    delivered: int = 0
    failed: int = 0  # to be retried
    given_up: int = 0


def _due(now: datetime):
    return (col(WebhookDelivery.next_attempt_at) <= now) & (
        col(WebhookDelivery.locked_until).is_(None) | (col(WebhookDelivery.locked_until) < now)
    )


def claim_next(engine: Engine, *, now: datetime | None = None) -> Claim | None:
    """Takes the next due row for this deliverer — a mail, or a delivery of an active
    webhook — or None."""
    now = now or utcnow()
    with Session(engine) as session:
        candidates = session.exec(
            select(WebhookDelivery.id)
            .outerjoin(Webhook, col(Webhook.id) == col(WebhookDelivery.webhook_id))
            .where(
                _due(now),
                (col(WebhookDelivery.channel) == Channel.mail.value) | col(Webhook.active),
            )
            .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.created_at))
            .limit(20)
        ).all()
        for delivery_id in candidates:
            token = secrets.token_hex(16)
            claimed = session.exec(
                update(WebhookDelivery)
                .where(col(WebhookDelivery.id) == delivery_id, _due(now))
                .values(
                    locked_until=now + LEASE,
                    locked_by=token,
                    attempts=WebhookDelivery.attempts + 1,
                )
            ).rowcount
            session.commit()
            if claimed != 1:
                continue  # another deliverer took it first
            delivery = session.get(WebhookDelivery, delivery_id)
            if delivery is not None and delivery.channel == Channel.mail.value:
                return Claim(
                    delivery_id=delivery.id,
                    token=token,
                    attempt=delivery.attempts,
                    event=delivery.event,
                    body=b"",
                    url="",
                    secret="",
                    channel=delivery.channel,
                    payload=dict(delivery.payload),
                )
            webhook = session.get(Webhook, delivery.webhook_id) if delivery else None
            if delivery is None or webhook is None:
                continue  # deleted meanwhile
            return Claim(
                delivery_id=delivery.id,
                token=token,
                attempt=delivery.attempts,
                event=delivery.event,
                body=body_of(delivery.payload),
                url=webhook.url,
                secret=webhook.secret,
            )
    return None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx is an answer other than 2xx: never followed (it could lead anywhere,
    WEBHOOK_ALLOWED_HOSTS notwithstanding)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects())


def send(claim: Claim, *, now: float | None = None) -> tuple[int | None, str | None]:
    """POSTs the delivery; (HTTP status or None, error or None)."""
    timestamp = int(now if now is not None else time.time())
    request = urllib.request.Request(
        claim.url,
        data=claim.body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Teian-Event": claim.event,
            "X-Teian-Delivery": claim.delivery_id,
            "X-Teian-Signature": signature(claim.secret, timestamp, claim.body),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(64 * 1024)
            status = response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code, f"HTTP {exc.code}"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return None, f"{type(exc).__name__}: {reason}"[:500]
    if 200 <= status < 300:
        return status, None
    return status, f"HTTP {status}"


def record(
    engine: Engine,
    claim: Claim,
    *,
    status_code: int | None,
    error: str | None,
    settings: Settings,
    now: datetime | None = None,
) -> str:
    """Writes the attempt's outcome (only while the claim is still this deliverer's);
    "delivered", "failed" (due again later) or "given_up"."""
    now = now or utcnow()
    values: dict[str, Any] = {
        "status_code": status_code,
        "error": error,
        "locked_until": None,
        "locked_by": None,
    }
    if error is None:
        outcome = "delivered"
        values.update(delivered_at=now, next_attempt_at=None)
    elif claim.attempt >= settings.webhook_max_attempts or error == HOST_REFUSED:
        outcome = "given_up"
        values.update(next_attempt_at=None)
    else:
        outcome = "failed"
        values.update(next_attempt_at=now + retry_delay(settings, claim.attempt))
    with Session(engine) as session:
        session.exec(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.id) == claim.delivery_id)
            .where(col(WebhookDelivery.locked_by) == claim.token)
            .values(**values)
        )
        session.commit()
    return outcome


def deliver_one(engine: Engine, *, settings: Settings) -> str | None:
    """Claims, sends and records one due row; its outcome, or None when none is due."""
    claim = claim_next(engine)
    if claim is None:
        return None
    if claim.channel == Channel.mail.value:
        status_code, error = None, mail.send(claim.payload or {}, settings)
    elif is_host_allowed(claim.url, settings):
        status_code, error = send(claim)
    else:
        status_code, error = None, HOST_REFUSED
    outcome = record(engine, claim, status_code=status_code, error=error, settings=settings)
    if error is not None:
        log.warning(
            "%s delivery %s attempt %s: %s (%s)",
            claim.channel,
            claim.delivery_id,
            claim.attempt,
            error,
            outcome,
        )
    return outcome


def deliver_due(
    engine: Engine,
    *,
    settings: Settings,
    stop: threading.Event | None = None,
    limit: int = 1000,
) -> PassResult:
    """One pass: every delivery due now, one after the other (at most `limit`)."""
    result = PassResult()
    for _ in range(limit):
        if stop is not None and stop.is_set():
            break
        outcome = deliver_one(engine, settings=settings)
        if outcome is None:
            break
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


class Deliverer:
    """A thread that runs a pass every WEBHOOK_POLL_SECONDS until stopped."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="webhook-deliverer", daemon=True)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                deliver_due(self.engine, settings=self.settings, stop=self.stopping)
            except Exception:  # the database away for a moment: try again next time
                log.exception("webhook delivery pass failed")
            self.stopping.wait(self.settings.webhook_poll_seconds)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 3) -> None:
        """Ends the thread after the send in progress, waiting at most `timeout` seconds so
        that a slow receiver cannot hold up the worker's shutdown. A send cut short this
        way is sent again once its claim has expired (the same uuid)."""
        self.stopping.set()
        self.thread.join(timeout=timeout)


@contextmanager
def background_deliverer(engine: Engine, settings: Settings) -> Iterator[Deliverer | None]:
    """A deliverer thread for as long as the block runs, when WEBHOOK_DELIVERY_ENABLED."""
    if not settings.webhook_delivery_enabled:
        yield None
        return
    deliverer = Deliverer(engine, settings)
    deliverer.start()
    try:
        yield deliverer
    finally:
        deliverer.stop()
