from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from app.deps import ApiUser, SessionDep, SettingsDep
from app.models.user import UserMe
from app.security import issue_token
from app.services.auth import authenticate

router = APIRouter(tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


@router.post("/auth/token", response_model=Token)
def create_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    """Exchange an e-mail and password for a bearer token (OAuth2 password form)."""
    address = request.client.host if request.client else "unknown"
    user = authenticate(
        session, email=form.username, password=form.password, address=address, settings=settings
    )
    assert user.id is not None
    return Token(
        access_token=issue_token(settings.secret_key, user.id),
        expires_in=settings.token_lifetime_minutes * 60,
    )


@router.get("/users/me", response_model=UserMe)
def read_me(user: ApiUser) -> UserMe:
    """The caller's own account."""
    return UserMe.model_validate(user, from_attributes=True)
