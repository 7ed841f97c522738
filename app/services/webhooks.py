"""Webhooks (API.md "Webhooks", docs/webhooks.md): subscriptions, and the outbox rows
written for each lifecycle action. Sending is app/services/webhook_delivery.py.

`enqueue_status_changed` runs inside `lifecycle.perform`, before its commit: the
deliveries land with the status change or not at all."""

import secrets
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from app.config import Settings
from app.errors import Invalid, InvalidTransition, NotFound
from app.i18n import N_
from app.models import Proposal, User, Webhook, WebhookDelivery
from app.models.types import id_of, utcnow
from app.models.webhook import WebhookCreate, WebhookEvent
from app.services.pagination import PageParams

WEBHOOK_NOT_FOUND = N_("指定された Webhook が見つかりません。")
DELIVERY_NOT_FOUND = N_("指定された配信が見つかりません。")
HOST_NOT_ALLOWED = N_("この宛先（%(host)s）は許可されていません。許可されている宛先: %(allowed)s")
BEING_SENT = N_("この配信は送信中です。終わってから再送してください。")


def allowed_hosts(settings: Settings) -> list[str]:
    """WEBHOOK_ALLOWED_HOSTS as lower-case names or addresses; empty: any host."""
    hosts = (part.strip().lower().strip("[]") for part in settings.webhook_allowed_hosts.split(","))
    return [host for host in hosts if host]


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def is_host_allowed(url: str, settings: Settings) -> bool:
    hosts = allowed_hosts(settings)
    return not hosts or host_of(url) in hosts


def create_webhook(
    session: Session, *, data: WebhookCreate, user: User, settings: Settings
) -> Webhook:
    """A new active subscription; a random secret when none is given. 422 when the url's
    host is not among WEBHOOK_ALLOWED_HOSTS."""
    if not is_host_allowed(data.url, settings):
        raise Invalid.field(
            "url",
            HOST_NOT_ALLOWED,
            host=host_of(data.url),
            allowed=", ".join(allowed_hosts(settings)),
        )
    events = [event.value for event in WebhookEvent if event in data.events]
    webhook = Webhook(
        url=data.url,
        events=events,
        secret=data.secret or secrets.token_urlsafe(32),
        created_by_id=user.id,
    )
    session.add(webhook)
    session.commit()
    session.refresh(webhook)
    return webhook


def list_webhooks(session: Session, *, page: PageParams) -> tuple[list[Webhook], int]:
    total = session.exec(select(func.count()).select_from(Webhook)).one()
    rows = session.exec(
        select(Webhook).order_by(col(Webhook.id)).limit(page.limit).offset(page.offset)
    ).all()
    return list(rows), total


def get_webhook(session: Session, *, webhook_id: int) -> Webhook:
    webhook = session.get(Webhook, webhook_id)
    if webhook is None:
        raise NotFound(WEBHOOK_NOT_FOUND)
    return webhook


def delete_webhook(session: Session, *, webhook_id: int) -> None:
    """Removes the subscription with its deliveries (pending ones are not sent)."""
    get_webhook(session, webhook_id=webhook_id)
    session.exec(delete(WebhookDelivery).where(col(WebhookDelivery.webhook_id) == webhook_id))
    session.exec(delete(Webhook).where(col(Webhook.id) == webhook_id))
    session.commit()


def list_deliveries(
    session: Session, *, webhook_id: int, page: PageParams
) -> tuple[list[WebhookDelivery], int]:
    """A webhook's deliveries, newest first."""
    get_webhook(session, webhook_id=webhook_id)
    where = col(WebhookDelivery.webhook_id) == webhook_id
    total = session.exec(select(func.count()).select_from(WebhookDelivery).where(where)).one()
    rows = session.exec(
        select(WebhookDelivery)
        .where(where)
        .order_by(col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id).desc())
        .limit(page.limit)
        .offset(page.offset)
    ).all()
    return list(rows), total


def delivery_state(delivery: WebhookDelivery, now: datetime | None = None) -> str:
    """ "delivered", "sending" (claimed by a deliverer), "pending" (due now or later) or
    "given_up" (no attempt left)."""
    now = now or utcnow()
    if delivery.delivered_at is not None:
        return "delivered"
    if delivery.locked_until is not None and delivery.locked_until > now:
        return "sending"
    if delivery.next_attempt_at is not None:
        return "pending"
    return "given_up"


def redeliver(
    session: Session, *, webhook_id: int, delivery_id: str, now: datetime | None = None
) -> WebhookDelivery:
    """Queues a delivery again, due now, with the same uuid and body and a fresh count of
    attempts. 404 for a delivery of another webhook; 409 while a deliverer is sending it
    (its outcome would overwrite the new request)."""
    now = now or utcnow()
    get_webhook(session, webhook_id=webhook_id)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != webhook_id:
        raise NotFound(DELIVERY_NOT_FOUND)
    result = session.exec(
        update(WebhookDelivery)
        .where(col(WebhookDelivery.id) == delivery_id)
        .where(
            col(WebhookDelivery.locked_until).is_(None) | (col(WebhookDelivery.locked_until) < now)
        )
        .values(
            attempts=0,
            status_code=None,
            error=None,
            delivered_at=None,
            next_attempt_at=now,
            locked_until=None,
            locked_by=None,
        )
    )
    if result.rowcount != 1:
        session.rollback()
        raise InvalidTransition(BEING_SENT)
    session.commit()
    session.refresh(delivery)
    return delivery


def enqueue(
    session: Session, *, event: WebhookEvent, data: dict[str, Any], now: datetime | None = None
) -> list[WebhookDelivery]:
    """One outbox row per active webhook subscribed to `event` (or to "*"), due now. The
    caller commits: the rows land with the change they report."""
    now = now or utcnow()
    hooks = session.exec(select(Webhook).where(col(Webhook.active)).order_by(col(Webhook.id)))
    deliveries = []
    for hook in hooks:
        if event.value not in hook.events and WebhookEvent.all.value not in hook.events:
            continue
        delivery_id = str(uuid.uuid4())
        payload = {
            "id": delivery_id,
            "event": event.value,
            "occurred_at": now.isoformat(),
            "data": data,
        }
        delivery = WebhookDelivery(
            id=delivery_id,
            webhook_id=id_of(hook),
            event=event.value,
            payload=payload,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(delivery)
        deliveries.append(delivery)
    return deliveries


def enqueue_status_changed(
    session: Session, *, proposal: Proposal, action: str, from_status: str, to_status: str
) -> None:
    """`proposal.status_changed` for a lifecycle action: ids and statuses only, never a
    name or a text (a receiver asks the API for more, with its own rights)."""
    enqueue(
        session,
        event=WebhookEvent.status_changed,
        data={
            "proposal_id": proposal.id,
            "number": proposal.number,
            "action": str(action),
            "from_status": str(from_status),
            "to_status": str(to_status),
            "fiscal_year": proposal.fiscal_year,
        },
    )
