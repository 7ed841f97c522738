from typing import Annotated

from fastapi import APIRouter, Depends, Path

from app.deps import ApiUser, SessionDep
from app.models import Initiative
from app.models.initiative import InitiativePublic
from app.models.page import Page
from app.models.types import Id
from app.routers.api.common import envelope
from app.services import initiatives as initiatives_service
from app.services.pagination import PageParams, page_params

router = APIRouter(tags=["initiatives"])


@router.get("/initiatives", response_model=Page[InitiativePublic])
def read_initiatives(
    session: SessionDep, _user: ApiUser, page: Annotated[PageParams, Depends(page_params)]
) -> dict:
    """The DX plan's initiatives, numbered 1–12 as in the plan."""
    rows, total = initiatives_service.list_initiatives(session, page=page)
    return envelope(rows, total, page)


@router.get("/initiatives/{initiative_id}", response_model=InitiativePublic)
def read_initiative(
    initiative_id: Annotated[Id, Path(description="the initiative's id")],
    session: SessionDep,
    _user: ApiUser,
) -> Initiative:
    """One initiative."""
    return initiatives_service.get_initiative(session, initiative_id=initiative_id)
