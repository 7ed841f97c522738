"""「アカウント」: the signed-in user's own password and sign-ins (docs/security.md), and how
their notices are mailed (docs/mail.md)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.deps import SESSION_KEY, PageUser, SessionDep
from app.errors import Invalid, NotFound
from app.htmx import redirect, render
from app.i18n import gettext as _
from app.models.enums import EMAIL_SETTING_LABELS, EmailSetting
from app.models.types import Id, id_of
from app.routers.pages.forms import invalid_errors
from app.services import mail, sessions, users
from app.templating import flash

router = APIRouter()
PASSWORD = Annotated[str, Form(max_length=128)]


def _context(request: Request, session: SessionDep, user: PageUser, **extra) -> dict:
    return {
        "sessions": sessions.list_sessions(session, user_id=id_of(user)),
        "current_id": request.state.auth.id,
        "email_settings": EMAIL_SETTING_LABELS,
        "mail_enabled": mail.enabled(request.app.state.settings),
        "errors": {},
        **extra,
    }


@router.get("/account")
def account_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    """アカウント: change the password, see and end the sign-ins."""
    return render(request, "pages/account/index.html", _context(request, session, user))


@router.post("/account/password")
def change_password(
    request: Request,
    session: SessionDep,
    user: PageUser,
    current_password: PASSWORD = "",
    new_password: PASSWORD = "",
    new_password_again: PASSWORD = "",
) -> Response:
    """Change one's own password; every other sign-in ends."""
    errors: dict[str, str] = {}
    if new_password != new_password_again:
        errors["new_password_again"] = _("確認のため、同じパスワードをもう一度入力してください。")
    else:
        try:
            users.change_own_password(
                session,
                user=user,
                current_password=current_password,
                new_password=new_password,
                keep_session_id=request.state.auth.id,
            )
        except Invalid as exc:
            errors = invalid_errors(exc)
    if errors:
        context = _context(request, session, user, errors=errors)
        return render(request, "pages/account/index.html", context, status_code=422)
    flash(request, _("パスワードを変更しました。ほかの端末はログアウトしました。"))
    return redirect(request, "/account")


@router.post("/account/sessions/{session_id}/revoke")
def revoke_session(
    session_id: Id, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """End one of one's own sign-ins (ending this one signs out here too)."""
    try:
        sessions.revoke_own(session, user_id=id_of(user), session_id=session_id)
    except NotFound as exc:
        flash(request, _(exc.detail), level="error")
        return redirect(request, "/account")
    if session_id == request.state.auth.id:
        request.session.pop(SESSION_KEY, None)
        flash(request, _("ログアウトしました。"))
        return redirect(request, "/login")
    flash(request, _("選んだ端末をログアウトさせました。"))
    return redirect(request, "/account")


@router.post("/account/sessions/revoke-others")
def revoke_other_sessions(request: Request, session: SessionDep, user: PageUser) -> Response:
    """Sign out of every other browser and API token."""
    sessions.revoke_all(session, user_id=id_of(user), keep_id=request.state.auth.id)
    session.commit()
    flash(request, _("この端末以外のすべての端末をログアウトさせました。"))
    return redirect(request, "/account")


@router.post("/account/notifications")
def set_notification_email(
    request: Request,
    session: SessionDep,
    user: PageUser,
    email: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """How one's notices are mailed: each at once, one digest a day, or not at all."""
    try:
        setting = EmailSetting(email)
    except ValueError:
        flash(request, _("メールの受け取り方を選んでください。"), level="error")
        return redirect(request, "/account")
    users.set_notification_email(session, user=user, setting=setting)
    flash(request, _("メールの受け取り方を変更しました。"))
    return redirect(request, "/account")
