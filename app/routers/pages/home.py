from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.deps import PageUser, SessionDep
from app.htmx import render
from app.models import Department

router = APIRouter()


@router.get("/")
def home(request: Request, user: PageUser, session: SessionDep) -> Response:
    """The signed-in user's home page."""
    department = session.get(Department, user.department_id) if user.department_id else None
    return render(request, "pages/home.html", {"department": department})
