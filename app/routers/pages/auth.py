from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.deps import OptionalPageUser, SessionDep, SettingsDep
from app.errors import NotAuthenticated, TooManyRequests
from app.htmx import redirect, render
from app.i18n import LOCALE_COOKIE, LOCALES
from app.i18n import gettext as _
from app.security import CSRF_SESSION_KEY
from app.services.auth import authenticate
from app.templating import flash

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only local paths: never redirect a signed-in user off the intranet service."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, user: OptionalPageUser, next: str | None = None) -> Response:
    """The sign-in page."""
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "pages/auth/login.html", {"next": safe_next(next), "email": ""})


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Sign in with e-mail and password."""
    address = request.client.host if request.client else "unknown"
    try:
        user = authenticate(
            session, email=email, password=password, address=address, settings=settings
        )
    except (NotAuthenticated, TooManyRequests) as exc:
        context = {"next": safe_next(next), "email": email, "error": _(exc.detail)}
        return render(
            request,
            "pages/auth/login.html",
            context,
            block="login_form",
            status_code=exc.status_code,
            headers=exc.headers,
        )
    # A new CSRF token for the signed-in session.
    request.session.pop(CSRF_SESSION_KEY, None)
    request.session["uid"] = user.id
    flash(request, _("%(name)sさん、ようこそ。", name=user.name))
    return redirect(request, safe_next(next))


@router.post("/logout")
def logout(request: Request) -> Response:
    """Sign out."""
    request.session.clear()
    flash(request, _("ログアウトしました。"))
    return redirect(request, "/login")


@router.post("/lang")
def set_language(
    request: Request,
    lang: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Switch the interface language (日本語 / English)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if lang in LOCALES:
        response.set_cookie(
            LOCALE_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True
        )
    return response
