from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.deps import PageUser, SessionDep
from app.htmx import render
from app.services import initiatives as initiatives_service
from app.services.plan import plan_overview

router = APIRouter()


@router.get("/initiatives")
def initiatives_page(request: Request, user: PageUser, session: SessionDep) -> Response:
    """The DX plan's initiatives with their summaries and schedules."""
    context = {
        "initiatives": initiatives_service.all_initiatives(session),
        "plan": plan_overview(),
    }
    return render(request, "pages/initiatives/list.html", context)


@router.get("/initiatives/{number}")
def initiative_page(number: int, request: Request, user: PageUser, session: SessionDep) -> Response:
    """One initiative of the plan."""
    initiative = initiatives_service.get_initiative_by_number(session, number=number)
    return render(
        request,
        "pages/initiatives/detail.html",
        {"initiative": initiative, "plan": plan_overview()},
    )
