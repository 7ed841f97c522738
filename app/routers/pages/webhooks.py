"""Webhook: the admin's page for other systems' subscriptions to the proposals' status
changes (docs/webhooks.md) — the same services as /api/v1/webhooks. A new webhook's secret
is shown on the answer to its creation, once."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.deps import AdminPageUser, SessionDep, SettingsDep
from app.errors import Invalid, InvalidTransition, NotFound
from app.htmx import redirect, render
from app.i18n import gettext as _
from app.models.types import Id
from app.models.webhook import WebhookCreate, WebhookEvent
from app.routers.pages.forms import form_values, invalid_errors, validate
from app.services import webhooks
from app.services.pagination import PageParams
from app.templating import flash

router = APIRouter(prefix="/admin/webhooks")
LIST = "pages/admin/webhooks.html"
DELIVERIES = "pages/admin/webhook_deliveries.html"
RECENT = 50
WebhookId = Annotated[Id, Path()]
DeliveryId = Annotated[str, Path(max_length=36)]


def _context(session: SessionDep, settings: SettingsDep, **extra) -> dict:
    rows, _total = webhooks.list_webhooks(session, page=PageParams(limit=200, offset=0))
    return {
        "webhooks": rows,
        "events": [event.value for event in WebhookEvent],
        "allowed_hosts": webhooks.allowed_hosts(settings),
        "values": {"events": [WebhookEvent.status_changed.value]},
        "errors": {},
        "created": None,
        **extra,
    }


@router.get("")
def webhooks_page(
    request: Request, session: SessionDep, settings: SettingsDep, _admin: AdminPageUser
) -> Response:
    """Webhook: the subscriptions, and a form for a new one."""
    return render(request, LIST, _context(session, settings))


@router.post("")
async def create_webhook(
    request: Request, session: SessionDep, settings: SettingsDep, admin: AdminPageUser
) -> Response:
    """Subscribe a URL; the answer shows the secret once."""
    form = await request.form()
    values = form_values(
        form, fields=("url", "events", "secret"), lists=("events",), optional=("secret",)
    )
    data, errors = validate(WebhookCreate, values)
    if data is not None:
        try:
            webhook = webhooks.create_webhook(session, data=data, user=admin, settings=settings)
        except Invalid as exc:
            errors = invalid_errors(exc)
        else:
            context = _context(session, settings, created=webhook)
            return render(request, LIST, context, status_code=201)
    context = _context(session, settings, values=values, errors=errors)
    return render(request, LIST, context, status_code=422)


@router.post("/{webhook_id}/delete")
def delete_webhook(
    webhook_id: WebhookId, request: Request, session: SessionDep, _admin: AdminPageUser
) -> Response:
    """Remove a subscription and its deliveries."""
    webhook = webhooks.get_webhook(session, webhook_id=webhook_id)
    url = webhook.url
    webhooks.delete_webhook(session, webhook_id=webhook_id)
    flash(request, _("Webhook（%(url)s）を削除しました。", url=url))
    return redirect(request, "/admin/webhooks")


@router.get("/{webhook_id}")
def deliveries_page(
    webhook_id: WebhookId, request: Request, session: SessionDep, _admin: AdminPageUser
) -> Response:
    """A webhook's recent deliveries, newest first, with their state."""
    webhook = webhooks.get_webhook(session, webhook_id=webhook_id)
    rows, total = webhooks.list_deliveries(
        session, webhook_id=webhook_id, page=PageParams(limit=RECENT, offset=0)
    )
    context = {
        "webhook": webhook,
        "deliveries": [(row, webhooks.delivery_state(row)) for row in rows],
        "total": total,
    }
    return render(request, DELIVERIES, context)


@router.post("/{webhook_id}/deliveries/{delivery_id}/redeliver")
def redeliver(
    webhook_id: WebhookId,
    delivery_id: DeliveryId,
    request: Request,
    session: SessionDep,
    _admin: AdminPageUser,
) -> Response:
    """Queue a delivery again with the same uuid."""
    try:
        webhooks.redeliver(session, webhook_id=webhook_id, delivery_id=delivery_id)
    except (NotFound, InvalidTransition) as exc:
        flash(request, _(exc.detail), level="error")
    else:
        flash(request, _("配信 %(id)s を再送待ちにしました。", id=delivery_id))
    return redirect(request, f"/admin/webhooks/{webhook_id}")
