"""GET /api/v1/stats: the fiscal year's figures (API.md "Reports and open data")."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.deps import ApiUser, SessionDep
from app.models.stats import StatsPublic
from app.models.types import FiscalYear, Id
from app.services import stats
from app.services.small_groups import threshold_for

router = APIRouter(tags=["stats"])


@router.get("/stats", response_model=StatsPublic, name="read")
def read_stats(
    request: Request,
    session: SessionDep,
    user: ApiUser,
    fiscal_year: Annotated[
        FiscalYear | None,
        Query(description="年度 (the Gregorian year it starts in); default: the current one"),
    ] = None,
    initiative_id: Annotated[Id | None, Query(description="one DX initiative's figures")] = None,
) -> StatsPublic:
    """Counts by status, initiative, department and kind; participation, adoption and
    implementation rates; budget; effects estimated against actual; median days per stage.
    Computed in the database in a fixed number of queries. Any signed-in user; for all but
    the secretariat, departments with fewer active staff than SMALL_GROUP_MIN_STAFF are
    counted together as one row 「その他」 (`merged: true`)."""
    settings = request.app.state.settings
    figures = stats.compute(
        session,
        fiscal_year=fiscal_year,
        initiative_id=initiative_id,
        hourly_cost_yen=settings.hourly_staff_cost_yen,
        merge_below=threshold_for(user, settings.small_group_min_staff),
    )
    return StatsPublic.model_validate(figures)
