from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.deps import PageUser, SessionDep
from app.htmx import render
from app.models import Department
from app.services.home import recent_own, unassigned_reviews, waiting_for

router = APIRouter()


@router.get("/")
def home(request: Request, user: PageUser, session: SessionDep) -> Response:
    """The signed-in user's home page."""
    department = session.get(Department, user.department_id) if user.department_id else None
    context = {
        "department": department,
        "waiting": waiting_for(session, user),
        "recent": recent_own(session, user),
        "unassigned": unassigned_reviews(session, user),
    }
    return render(request, "pages/home.html", context)
