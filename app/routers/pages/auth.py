from typing import Annotated
from urllib.parse import unquote, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.deps import (
    SESSION_KEY,
    OptionalPageUser,
    SessionDep,
    SettingsDep,
    client_address,
    start_session,
)
from app.errors import Invalid, NotAuthenticated, TooManyRequests
from app.htmx import redirect, render
from app.i18n import LOCALE_COOKIE, LOCALES
from app.i18n import gettext as _
from app.models.auth_session import SessionKind
from app.routers.pages.forms import invalid_errors
from app.services import invitations, sessions
from app.services.auth import authenticate
from app.templating import flash

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only paths on this site: never redirect a signed-in user off the intranet service.
    The target is also checked once percent-decoded, since `/%5C` and `/%2F%2F` can be
    decoded on their way to the browser. Browsers read a backslash as a slash
    (`/\\evil.example` is `//evil.example`) and drop tabs and line breaks, so a target
    holding any of them, or any other control character, goes home instead."""
    if not target:
        return "/"
    for candidate in (target, unquote(target)):
        parts = urlsplit(candidate)
        if (
            parts.scheme
            or parts.netloc
            or not candidate.startswith("/")
            or candidate.startswith("//")
            or "\\" in candidate
            or any(ord(c) < 0x20 or c == "\x7f" for c in candidate)
        ):
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
    try:
        user = authenticate(
            session,
            email=email,
            password=password,
            address=client_address(request),
            settings=settings,
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
    key = start_session(request, session, settings, user, SessionKind.browser)
    # A fresh cookie: a new CSRF token, and no key of an earlier sign-in.
    request.session.clear()
    request.session[SESSION_KEY] = key
    flash(request, _("%(name)sさん、ようこそ。", name=user.name))
    return redirect(request, safe_next(next))


@router.post("/logout")
def logout(request: Request, session: SessionDep, user: OptionalPageUser) -> Response:
    """Sign out: this browser's session ends on the server, not only in the cookie."""
    if request.state.auth is not None:
        sessions.revoke(session, session_id=request.state.auth.id)
        session.commit()
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


# -- invitations: setting one's first password through a mailed link ------------------------


@router.get("/invitations/{token}")
def invitation_page(token: str, request: Request, session: SessionDep) -> Response:
    """The form behind an invitation link (docs/mail.md); 404 when it cannot be used."""
    found = invitations.find(session, token)
    if found is None:
        return render(request, "pages/auth/invitation.html", {"usable": False}, status_code=404)
    _invitation, user = found
    context = {"usable": True, "person": user, "token": token, "errors": {}}
    return render(request, "pages/auth/invitation.html", context)


@router.post("/invitations/{token}")
def accept_invitation(
    token: str,
    request: Request,
    session: SessionDep,
    password: Annotated[str, Form(max_length=128)] = "",
    password_again: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Sets the password once; then the person signs in."""
    found = invitations.find(session, token)
    if found is None:
        return render(request, "pages/auth/invitation.html", {"usable": False}, status_code=404)
    try:
        user = invitations.accept(
            session, token=token, password=password, password_again=password_again
        )
    except Invalid as exc:
        errors = invalid_errors(exc)
        context = {"usable": True, "person": found[1], "token": token, "errors": errors}
        return render(request, "pages/auth/invitation.html", context, status_code=422)
    if user is None:
        return render(request, "pages/auth/invitation.html", {"usable": False}, status_code=404)
    flash(request, _("パスワードを設定しました。ログインしてください。"))
    return redirect(request, "/login")
