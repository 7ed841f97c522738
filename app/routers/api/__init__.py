"""The JSON API under /api/v1 (API.md): thin handlers around the services."""

from fastapi import APIRouter

from app.routers.api import (
    attachments,
    auth,
    budget,
    departments,
    execution,
    health,
    initiatives,
    proposals,
    reports,
    review,
    rounds,
    search,
    stats,
    users,
)

router = APIRouter(prefix="/api/v1")
for module in (
    auth,
    users,
    departments,
    initiatives,
    search,
    proposals,
    attachments,
    review,
    budget,
    execution,
    rounds,
    stats,
    reports,
    health,
):
    router.include_router(module.router)
