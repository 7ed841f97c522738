from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.models.health import HealthPublic

router = APIRouter(tags=["health"])

UNAVAILABLE = {"model": HealthPublic, "description": "The database does not answer"}


@router.get("/health", response_model=HealthPublic, responses={503: UNAVAILABLE})
def read_health(request: Request) -> HealthPublic | JSONResponse:
    """Liveness and database reachability; 503 when the database does not answer."""
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        unreachable = HealthPublic(status="error", database="unreachable")
        return JSONResponse(unreachable.model_dump(), status_code=503)
    return HealthPublic(status="ok", database="ok")
