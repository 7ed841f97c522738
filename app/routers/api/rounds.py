"""Rounds (募集回) under /api/v1/rounds."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.deps import ApiUser, SessionDep
from app.models.page import Page
from app.models.round import RoundCreate, RoundPublic
from app.routers.api.common import envelope
from app.services import rounds as rounds_service
from app.services.pagination import PageParams, page_params

router = APIRouter(tags=["rounds"])


@router.get("/rounds", response_model=Page[RoundPublic])
def read_rounds(
    session: SessionDep,
    _user: ApiUser,
    page: Annotated[PageParams, Depends(page_params)],
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> dict:
    """Rounds: each fiscal year's standing round and the theme rounds."""
    rows = rounds_service.list_rounds(session, fiscal_year=fiscal_year)
    items = [rounds_service.round_public(r) for r in rows]
    return envelope(items[page.offset : page.offset + page.limit], len(items), page)


@router.post("/rounds", response_model=RoundPublic, status_code=201)
def create_round(data: RoundCreate, session: SessionDep, user: ApiUser) -> RoundPublic:
    """Create a theme round (課題提案) with its dates (secretariat)."""
    return rounds_service.round_public(
        rounds_service.create_theme_round(session, data=data, user=user)
    )
