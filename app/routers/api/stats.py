"""GET /api/v1/stats: the fiscal year's figures (API.md "Reports and open data")."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.deps import ApiUser, SessionDep
from app.services import stats

router = APIRouter(tags=["stats"])


@router.get("/stats")
def read_stats(
    request: Request,
    session: SessionDep,
    _user: ApiUser,
    fiscal_year: Annotated[
        str | None,
        Query(
            description="年度 (the Gregorian year it starts in), 2000–2100; default: the current one"
        ),
    ] = None,
    initiative_id: Annotated[int | None, Query(description="one DX initiative's figures")] = None,
) -> dict:
    """Counts by status, initiative, department and kind; participation, adoption and
    implementation rates; budget; effects estimated against actual; median days per stage.
    Computed in the database in a fixed number of queries. Any signed-in user."""
    return stats.compute(
        session,
        fiscal_year=fiscal_year,
        initiative_id=initiative_id,
        hourly_cost_yen=request.app.state.settings.hourly_staff_cost_yen,
    )
