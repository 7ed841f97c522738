"""Similar-proposal hints under /api/v1/proposals/similar (registered before the proposals
router, so that `/proposals/{proposal_id}` does not take the path); docs/text.md."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.deps import ApiUser, SessionDep
from app.models.enums import Status
from app.models.page import Page
from app.models.proposal import TITLE_MAX
from app.models.types import Id, NonBlankText, Text
from app.routers.api.common import envelope
from app.services.pagination import PageParams
from app.services.similar import QUERY_TEXT_MAX, similar_proposals
from app.wareki import fiscal_year_label

router = APIRouter(tags=["proposals"])

MAX_HINTS = 20


class SimilarProposal(BaseModel):
    id: int
    number: str | None
    title: str
    status: Status
    fiscal_year: int
    fiscal_year_label: str
    similarity: float
    matched_words: list[str]


@router.get("/proposals/similar", response_model=Page[SimilarProposal])
def read_similar_proposals(
    session: SessionDep,
    user: ApiUser,
    title: Annotated[
        NonBlankText,
        Query(max_length=TITLE_MAX, description="the title being written (required)"),
    ],
    text: Annotated[
        Text | None,
        Query(
            max_length=QUERY_TEXT_MAX,
            description="the body being written (the summary, say), compared with less weight",
        ),
    ] = None,
    exclude_id: Annotated[
        Id | None, Query(description="leave out this proposal (the one being edited)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_HINTS)] = 5,
) -> dict:
    """Proposals the caller may see that resemble `title` (and `text`), most similar first,
    with `similarity` from 0 to 1 and the words they share; unrelated ones are left out."""
    found = similar_proposals(
        session, title=title, text=text or "", user=user, exclude_id=exclude_id, limit=limit
    )
    items = [
        SimilarProposal(
            id=proposal.id,
            number=proposal.number,
            title=proposal.title,
            status=Status(proposal.status),
            fiscal_year=proposal.fiscal_year,
            fiscal_year_label=fiscal_year_label(proposal.fiscal_year),
            similarity=hint.similarity,
            matched_words=hint.matched_words,
        )
        for hint in found
        for proposal in [hint.proposal]
    ]
    return envelope(items, len(items), PageParams(limit=limit, offset=0))
