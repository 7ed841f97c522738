from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.htmx import render

router = APIRouter()


@router.get("/docs")
def api_docs(request: Request) -> Response:
    """Swagger UI for /openapi.json, served from app/static (no CDN)."""
    return render(request, "pages/docs.html")
