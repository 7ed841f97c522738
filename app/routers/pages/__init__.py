"""HTML pages and htmx fragments: thin handlers around the same services as the API."""

from fastapi import APIRouter

from app.routers.pages import (
    account,
    admin,
    api_keys,
    auth,
    budget,
    dashboard,
    decisions,
    docs,
    drafting,
    execution,
    home,
    initiatives,
    intake,
    notifications,
    open_data,
    paper,
    proposals,
    ranking,
    review,
    roster,
    rubric,
    webhooks,
)
from app.routers.routing import use_checked_routes

router = APIRouter(include_in_schema=False)
for module in (
    auth,
    account,
    home,
    dashboard,
    paper,
    drafting,  # before proposals: /proposals/similar-hint is no proposal id
    proposals,
    review,
    decisions,
    budget,
    execution,
    ranking,
    rubric,
    intake,
    initiatives,
    notifications,
    roster,  # before admin: /admin/users/import is not a user id
    admin,
    api_keys,
    webhooks,
    docs,
    open_data,
):
    use_checked_routes(module.router)  # 405 with the full Allow; forms in UTF-8 only
    router.include_router(module.router)
