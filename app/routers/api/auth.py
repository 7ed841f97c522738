from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from pydantic import BaseModel, Field

from app.deps import (
    SESSION_KEY,
    ApiUser,
    SessionDep,
    SettingsDep,
    client_address,
    start_session,
)
from app.models.auth_session import AuthSession, AuthSessionPublic, SessionKind
from app.models.enums import EmailSetting
from app.models.page import Page
from app.models.types import Id, id_of
from app.models.user import NotificationSettings, UserMe
from app.routers.api.common import whole_list
from app.services import sessions, users
from app.services.auth import authenticate

router = APIRouter(tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class TokenForm(BaseModel):
    """The OAuth2 password form: `username` is the e-mail or the 職員番号. Other OAuth2
    fields (`grant_type`, `scope`, `client_id`) may be sent and are ignored."""

    model_config = {"extra": "ignore"}

    username: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=128)


class PasswordChange(BaseModel):
    """The caller's current password and the new one (the password policy applies)."""

    model_config = {"extra": "forbid"}

    current_password: str = Field(max_length=128)
    new_password: str = Field(max_length=128)


@router.post("/auth/token", response_model=Token)
def create_token(
    form: Annotated[TokenForm, Form()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    """Exchange an e-mail and password for a bearer token (OAuth2 password form)."""
    user = authenticate(
        session,
        email=form.username,
        password=form.password,
        address=client_address(request),
        settings=settings,
    )
    key = start_session(request, session, settings, user, SessionKind.token)
    return Token(access_token=key, expires_in=settings.token_lifetime_minutes * 60)


@router.post("/auth/logout", status_code=204)
def logout(request: Request, session: SessionDep, _user: ApiUser) -> Response:
    """Revoke the bearer token or the browser session that made this call."""
    sessions.revoke(session, session_id=request.state.auth.id)
    session.commit()
    request.session.pop(SESSION_KEY, None)
    return Response(status_code=204)


def _public(row: AuthSession, current: AuthSession) -> AuthSessionPublic:
    return AuthSessionPublic.model_validate(
        {**row.model_dump(), "current": row.id == current.id}, from_attributes=False
    )


@router.get("/auth/sessions", response_model=Page[AuthSessionPublic])
def read_sessions(request: Request, session: SessionDep, user: ApiUser) -> dict:
    """The caller's live sign-ins (browsers and API tokens), most recently used first."""
    rows = sessions.list_sessions(session, user_id=id_of(user))
    items = [_public(row, request.state.auth) for row in rows]
    return whole_list(items)


@router.delete("/auth/sessions/{session_id:int}", status_code=204)
def revoke_session(session_id: Id, session: SessionDep, user: ApiUser) -> Response:
    """End one of the caller's own sign-ins (404 for anyone else's)."""
    sessions.revoke_own(session, user_id=id_of(user), session_id=session_id)
    return Response(status_code=204)


@router.post("/auth/sessions/revoke-others", status_code=204)
def revoke_other_sessions(request: Request, session: SessionDep, user: ApiUser) -> Response:
    """Sign out of every other browser and token, keeping the one making this call."""
    sessions.revoke_all(session, user_id=id_of(user), keep_id=request.state.auth.id)
    session.commit()
    return Response(status_code=204)


@router.put("/users/me/password", status_code=204)
def change_password(
    body: PasswordChange, request: Request, session: SessionDep, user: ApiUser
) -> Response:
    """Change the caller's own password: every other sign-in of theirs ends."""
    users.change_own_password(
        session,
        user=user,
        current_password=body.current_password,
        new_password=body.new_password,
        keep_session_id=request.state.auth.id,
    )
    return Response(status_code=204)


@router.get("/users/me", response_model=UserMe)
def read_me(user: ApiUser) -> UserMe:
    """The caller's own account."""
    return UserMe.model_validate(user, from_attributes=True)


@router.get("/users/me/notification-settings", response_model=NotificationSettings)
def read_notification_settings(user: ApiUser) -> NotificationSettings:
    """Whether the caller's notices are also mailed: each at once, daily, or not at all."""
    return NotificationSettings(email=EmailSetting(user.notification_email))


@router.put("/users/me/notification-settings", response_model=NotificationSettings)
def put_notification_settings(
    body: NotificationSettings, session: SessionDep, user: ApiUser
) -> NotificationSettings:
    """Sets how the caller's notices are mailed (`daily`: `python -m app send-digests`)."""
    users.set_notification_email(session, user=user, setting=body.email)
    return NotificationSettings(email=EmailSetting(user.notification_email))
