from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from app.deps import ApiUser, SessionDep
from app.models import Initiative
from app.models.initiative import InitiativePublic
from app.models.page import Page
from app.models.types import Id, NonBlankText
from app.routers.api.common import envelope
from app.services import initiatives as initiatives_service
from app.services.pagination import PageParams, page_params
from app.services.similar import QUERY_TEXT_MAX
from app.services.suggest import suggest_initiatives as suggest

router = APIRouter(tags=["initiatives"])


@router.get("/initiatives", response_model=Page[InitiativePublic])
def read_initiatives(
    session: SessionDep, _user: ApiUser, page: Annotated[PageParams, Depends(page_params)]
) -> dict:
    """The DX plan's initiatives, numbered 1–12 as in the plan."""
    rows, total = initiatives_service.list_initiatives(session, page=page)
    return envelope(rows, total, page)


class InitiativeSuggestion(BaseModel):
    initiative_id: int
    number: int
    title: str
    score: float
    matched_words: list[str]


@router.get("/initiatives/suggest", response_model=Page[InitiativeSuggestion])
def suggest_initiatives(
    session: SessionDep,
    _user: ApiUser,
    text: Annotated[
        NonBlankText,
        Query(max_length=QUERY_TEXT_MAX, description="the proposal's title and summary"),
    ],
    limit: Annotated[int, Query(ge=1, le=12)] = 2,
) -> dict:
    """The DX initiatives `text` most likely advances, best first, with `score` (its share of
    the evidence, 0–1) and the words that matched; the author still chooses
    (docs/text.md)."""
    items = [
        InitiativeSuggestion(
            initiative_id=s.initiative.id,
            number=s.initiative.number,
            title=s.initiative.title,
            score=s.score,
            matched_words=s.matched_words,
        )
        for s in suggest(session, text=text, limit=limit)
    ]
    return envelope(items, len(items), PageParams(limit=limit, offset=0))


@router.get("/initiatives/{initiative_id}", response_model=InitiativePublic)
def read_initiative(
    initiative_id: Annotated[Id, Path(description="the initiative's id")],
    session: SessionDep,
    _user: ApiUser,
) -> Initiative:
    """One initiative."""
    return initiatives_service.get_initiative(session, initiative_id=initiative_id)
