"""Webhooks (API.md "Webhooks", docs/webhooks.md): admins subscribe other systems to the
proposals' status changes and watch and repeat their deliveries."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from app.deps import AdminApiUser, SessionDep, SettingsDep
from app.models import Webhook, WebhookDelivery
from app.models.page import Page
from app.models.types import Id
from app.models.webhook import DeliveryPublic, WebhookCreate, WebhookCreated, WebhookPublic
from app.routers.api.common import envelope
from app.routers.api.problems import problems
from app.services import webhooks
from app.services.pagination import PageParams, page_params

router = APIRouter(tags=["webhooks"])
WebhookId = Annotated[Id, Path(description="the webhook's id")]
DeliveryId = Annotated[str, Path(max_length=36, description="the delivery's uuid")]
DELIVERY = "/webhooks/{webhook_id}/deliveries/{delivery_id}"


def _public(webhook: Webhook) -> WebhookPublic:
    return WebhookPublic.model_validate(webhook, from_attributes=True)


def _delivery(delivery: WebhookDelivery) -> DeliveryPublic:
    return DeliveryPublic.model_validate(delivery, from_attributes=True)


@router.post("/webhooks", response_model=WebhookCreated, status_code=201)
def create_webhook(
    data: WebhookCreate, session: SessionDep, admin: AdminApiUser, settings: SettingsDep
) -> WebhookCreated:
    """Subscribe a URL to events; the secret is in this answer only."""
    webhook = webhooks.create_webhook(session, data=data, user=admin, settings=settings)
    return WebhookCreated(**_public(webhook).model_dump(), secret=webhook.secret)


@router.get("/webhooks", response_model=Page[WebhookPublic])
def read_webhooks(
    session: SessionDep, _admin: AdminApiUser, page: Annotated[PageParams, Depends(page_params)]
) -> dict:
    """Every subscription, oldest first, never with its secret."""
    rows, total = webhooks.list_webhooks(session, page=page)
    return envelope([_public(row) for row in rows], total, page)


@router.delete("/webhooks/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: WebhookId, session: SessionDep, _admin: AdminApiUser) -> Response:
    """Remove a subscription and its deliveries."""
    webhooks.delete_webhook(session, webhook_id=webhook_id)
    return Response(status_code=204)


@router.get("/webhooks/{webhook_id}/deliveries", response_model=Page[DeliveryPublic])
def read_deliveries(
    webhook_id: WebhookId,
    session: SessionDep,
    _admin: AdminApiUser,
    page: Annotated[PageParams, Depends(page_params)],
) -> dict:
    """A subscription's deliveries, newest first."""
    rows, total = webhooks.list_deliveries(session, webhook_id=webhook_id, page=page)
    return envelope([_delivery(row) for row in rows], total, page)


@router.post(
    f"{DELIVERY}/redeliver",
    response_model=DeliveryPublic,
    status_code=202,
    responses=problems(409),
)
def redeliver(
    webhook_id: WebhookId, delivery_id: DeliveryId, session: SessionDep, _admin: AdminApiUser
) -> DeliveryPublic:
    """Queue a delivery again, with the same uuid and body (409 while it is being sent)."""
    delivery = webhooks.redeliver(session, webhook_id=webhook_id, delivery_id=delivery_id)
    return _delivery(delivery)
