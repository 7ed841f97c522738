"""GET /api/v1/stats: the fiscal year's figures (API.md "Reports and open data")."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlmodel import Session

from app.deps import Credentials, in_one_thread
from app.models import User
from app.models.stats import StatsPublic
from app.models.types import FiscalYear, Id
from app.routers.api.common import json_answer
from app.services import stats
from app.services.small_groups import threshold_for

router = APIRouter(tags=["stats"])


@router.get("/stats", response_model=StatsPublic, name="read", dependencies=[Credentials])
async def read_stats(
    request: Request,
    fiscal_year: Annotated[
        FiscalYear | None,
        Query(description="年度 (the Gregorian year it starts in); default: the current one"),
    ] = None,
    initiative_id: Annotated[Id | None, Query(description="one DX initiative's figures")] = None,
) -> Response:
    """Counts by status, initiative, department and kind; participation, adoption and
    implementation rates; budget; effects estimated against actual; median days per stage.
    Computed in the database in a fixed number of queries. Any signed-in user; for all but
    the secretariat, departments with fewer active staff than SMALL_GROUP_MIN_STAFF are
    counted together as one row 「その他」 (`merged: true`)."""
    settings = request.app.state.settings

    def read(session: Session, user: User) -> Response:
        figures = stats.compute(
            session,
            fiscal_year=fiscal_year,
            initiative_id=initiative_id,
            hourly_cost_yen=settings.hourly_staff_cost_yen,
            merge_below=threshold_for(user, settings.small_group_min_staff),
        )
        return json_answer(StatsPublic.model_validate(figures))

    return await in_one_thread(request, read)
