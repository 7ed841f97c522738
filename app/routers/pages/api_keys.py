"""サービスキー: the admin's page for the portal's and other systems' keys
(docs/api-keys.md). A new key is shown on the answer to its creation, once."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.deps import AdminPageUser, SessionDep
from app.errors import Invalid, NotFound
from app.htmx import redirect, render
from app.i18n import gettext as _
from app.models.api_key import SCOPE_LABELS, ApiKeyCreate, Scope
from app.models.types import Id
from app.routers.pages.forms import form_values, invalid_errors, validate
from app.services import api_keys
from app.templating import flash

router = APIRouter()
TEMPLATE = "pages/admin/api_keys.html"


def _context(session: SessionDep, **extra) -> dict:
    return {
        "keys": api_keys.list_keys(session),
        "scopes": [(scope.value, SCOPE_LABELS[scope]) for scope in Scope],
        "values": {"scopes": []},
        "errors": {},
        "created_key": None,
        **extra,
    }


@router.get("/admin/api-keys")
def api_keys_page(request: Request, session: SessionDep, _admin: AdminPageUser) -> Response:
    """サービスキー: the keys, and a form for a new one."""
    return render(request, TEMPLATE, _context(session))


@router.post("/admin/api-keys")
async def create_api_key(request: Request, session: SessionDep, admin: AdminPageUser) -> Response:
    """Create a key; the answer shows it once."""
    form = await request.form()
    values = form_values(
        form, fields=("name", "expires_on", "scopes"), lists=("scopes",), optional=("expires_on",)
    )
    data, errors = validate(ApiKeyCreate, values)
    if data is not None:
        try:
            row, key = api_keys.create_key(session, data=data, user=admin)
        except Invalid as exc:
            errors = invalid_errors(exc)
        else:
            context = _context(session, created_key=key, created_name=row.name)
            return render(request, TEMPLATE, context, status_code=201)
    context = _context(session, values=values, errors=errors)
    return render(request, TEMPLATE, context, status_code=422)


@router.post("/admin/api-keys/{key_id}/revoke")
def revoke_api_key(
    key_id: Annotated[Id, Path()], request: Request, session: SessionDep, _admin: AdminPageUser
) -> Response:
    """Revoke a key."""
    try:
        row = api_keys.revoke_key(session, key_id=key_id)
    except NotFound as exc:
        flash(request, _(exc.detail), level="error")
    else:
        flash(request, _("サービスキー「%(name)s」を無効にしました。", name=row.name))
    return redirect(request, "/admin/api-keys")
