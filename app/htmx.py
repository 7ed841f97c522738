"""Everything about htmx requests and HX-* headers lives here."""

from collections.abc import Mapping
from typing import Any

from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.requests import Request

from app.services.notifications import unread_count
from app.templating import templates


def is_htmx(request: Request) -> bool:
    """A partial-page request; history restores need the whole page."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def unread_badge(request: Request, user: Any) -> int | None:
    """The header's unread-notification count: one COUNT per full page, none for
    fragments (which have no header) or anonymous pages."""
    if user is None or is_htmx(request):
        return None
    session = getattr(request.state, "db", None)
    if session is not None:
        return unread_count(session, user=user)
    with Session(request.app.state.engine) as own:
        return unread_count(own, user=user)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The whole page, or only `block` of it when htmx asked for a fragment."""
    context = {"user": getattr(request.state, "user", None), **(context or {})}
    if "unread_count" not in context:
        context["unread_count"] = unread_badge(request, context["user"])
    if block is not None and is_htmx(request):
        template = templates.get_template(name)
        jinja_context = template.new_context({"request": request, **context})
        html = "".join(template.blocks[block](jinja_context))
        response: HTMLResponse = HTMLResponse(html, status_code=status_code, headers=headers)
    else:
        response = templates.TemplateResponse(
            request, name, context, status_code=status_code, headers=headers
        )
    response.headers["Vary"] = "HX-Request"
    return response


def redirect(request: Request, url: str) -> Response:
    """303 for a plain form post; HX-Redirect (a full navigation) for htmx."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def retarget(response: Response, target: str, swap: str = "innerHTML") -> Response:
    response.headers["HX-Retarget"] = target
    response.headers["HX-Reswap"] = swap
    return response
