"""The DX plan's initiatives: the list, and each one's plan, its proposals (those the user
may see) and its roll-up for a fiscal year with the dashboard's charts."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.deps import PageUser, SessionDep, SettingsDep
from app.htmx import render
from app.presenters import dashboard_view
from app.presenters.proposal_view import load_names
from app.routers.pages.dashboard import FiscalYearText
from app.services import initiatives as initiatives_service
from app.services.pagination import PageParams
from app.services.plan import plan_overview
from app.services.proposals import ProposalFilters, list_proposals
from app.services.review import blind_proposal_ids
from app.services.small_groups import threshold_for

router = APIRouter()
PROPOSALS_SHOWN = 100


@router.get("/initiatives")
def initiatives_page(request: Request, user: PageUser, session: SessionDep) -> Response:
    """The DX plan's initiatives with their summaries and schedules."""
    context = {
        "initiatives": initiatives_service.all_initiatives(session),
        "plan": plan_overview(),
    }
    return render(request, "pages/initiatives/list.html", context)


@router.get("/initiatives/{number}")
def initiative_page(
    number: int,
    request: Request,
    user: PageUser,
    session: SessionDep,
    settings: SettingsDep,
    fiscal_year: FiscalYearText = None,
) -> Response:
    """One initiative of the plan: summary, schedule, the fiscal year's proposals and
    figures (404 page for an unknown number, 422 for an absurd year); small departments
    shown together as 「その他」 to all but the secretariat."""
    initiative = initiatives_service.get_initiative_by_number(session, number=number)
    view = dashboard_view.roll_up(
        session,
        fiscal_year=fiscal_year,
        initiative_id=initiative.id,
        hourly_cost_yen=settings.hourly_staff_cost_yen,
        merge_below=threshold_for(user, settings.small_group_min_staff),
    )
    filters = ProposalFilters(initiative_id=initiative.id, fiscal_year=view.fiscal_year)
    proposals, total = list_proposals(
        session, user=user, filters=filters, page=PageParams(limit=PROPOSALS_SHOWN)
    )
    blind = blind_proposal_ids(session, user=user)
    context = {
        "initiative": initiative,
        "plan": plan_overview(),
        "view": view,
        "years": dashboard_view.fiscal_year_choices(session, view.fiscal_year),
        "proposals": proposals,
        "total": total,
        "names": load_names(session, proposals, blind=blind),
        "blind": blind,
        "fmt": dashboard_view,
    }
    return render(request, "pages/initiatives/detail.html", context)
