"""The secretariat's ranking (順位表): in-review proposals by score, with the
per-criterion breakdown on demand."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.deps import SessionDep, require_roles
from app.htmx import render
from app.models import User
from app.models.enums import Role
from app.models.types import Id
from app.presenters.proposal_view import load_names
from app.services import review as review_service
from app.services import rounds as rounds_service
from app.wareki import fiscal_year_of, today_jst

router = APIRouter()
SecretariatPageUser = Annotated[User, Depends(require_roles(Role.secretariat, page=True))]


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@router.get("/ranking")
def ranking_page(
    request: Request,
    session: SessionDep,
    user: SecretariatPageUser,
    fiscal_year: Annotated[str | None, Query()] = None,
    round_id: Annotated[str | None, Query()] = None,
    initiative: Annotated[str | None, Query()] = None,
    flagged: Annotated[bool, Query()] = False,
) -> Response:
    """順位表: in-review proposals whose scoring is complete by score; below, those still
    being scored and those with no reviewer (not ranked); filtered by fiscal year, round,
    initiative."""
    rows = review_service.ranking(
        session,
        user=user,
        fiscal_year=_int(fiscal_year),
        round_id=_int(round_id),
        initiative_id=_int(initiative),
        flagged_only=flagged,
    )
    current_fy = fiscal_year_of(today_jst())
    groups: dict[str, list] = {s.value: [] for s in review_service.SCORING_ORDER}
    for row in rows:
        groups[review_service.scoring_of(row).value].append(row)
    context = {
        "rows": rows,
        "groups": groups,
        "names": load_names(session, rows),
        "rounds": rounds_service.list_rounds(session),
        "fiscal_years": list(range(current_fy, current_fy - 6, -1)),
        # The review packet (審査資料) covers the chosen fiscal year and round.
        "packet_query": urlencode(
            {k: v for k, v in (("fiscal_year", fiscal_year), ("round_id", round_id)) if v}
        ),
        "filters": {
            "fiscal_year": fiscal_year or "",
            "round_id": round_id or "",
            "initiative": initiative or "",
            "flagged": flagged,
        },
    }
    return render(request, "pages/review/ranking.html", context, block="results")


@router.get("/ranking/{proposal_id}/breakdown")
def ranking_breakdown(
    proposal_id: Id, request: Request, session: SessionDep, user: SecretariatPageUser
) -> Response:
    """The per-criterion breakdown of one proposal's score (an htmx fragment)."""
    proposal, reviews = review_service.list_reviews(session, proposal_id=proposal_id, user=user)
    context = {"proposal": proposal, "rows": review_service.breakdown(session, reviews)}
    return render(request, "pages/review/breakdown.html", context, block="breakdown")
