"""Service keys for the portal and other systems (API.md "Service keys", docs/api-keys.md)."""

from typing import Annotated

from fastapi import APIRouter, Path, Response

from app.deps import AdminApiUser, SessionDep
from app.models import ApiKey
from app.models.api_key import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from app.models.page import Page
from app.models.types import Id
from app.routers.api.common import whole_list
from app.services import api_keys

router = APIRouter(tags=["api-keys"])
KeyId = Annotated[Id, Path(description="the key's id")]


def _public(row: ApiKey) -> ApiKeyPublic:
    return ApiKeyPublic.model_validate(row, from_attributes=True)


@router.post("/api-keys", response_model=ApiKeyCreated, status_code=201)
def create_api_key(body: ApiKeyCreate, session: SessionDep, admin: AdminApiUser) -> ApiKeyCreated:
    """Create a key with scopes and an optional last day; the key is in this answer only."""
    row, key = api_keys.create_key(session, data=body, user=admin)
    return ApiKeyCreated(**_public(row).model_dump(), key=key)


@router.get("/api-keys", response_model=Page[ApiKeyPublic])
def read_api_keys(session: SessionDep, _admin: AdminApiUser) -> dict:
    """Every key (never the key itself), live ones first."""
    rows = api_keys.list_keys(session)
    items = [_public(row) for row in rows]
    return whole_list(items)


@router.delete("/api-keys/{key_id}", status_code=204)
def revoke_api_key(key_id: KeyId, session: SessionDep, _admin: AdminApiUser) -> Response:
    """Revoke a key: from then on it is refused with 401."""
    api_keys.revoke_key(session, key_id=key_id)
    return Response(status_code=204)
