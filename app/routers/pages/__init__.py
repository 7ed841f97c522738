"""HTML pages and htmx fragments: thin handlers around the same services as the API."""

from fastapi import FastAPI

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
from app.routers.routing import scope_router, use_checked_routes

MODULES = (
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
)
for module in MODULES:
    use_checked_routes(module.router)  # 405 with the full Allow; forms in UTF-8 only
    scope_router(module.router)


def include_in(app: FastAPI) -> None:
    """Includes each module's router straight into the app, in the order above (see
    app/routers/api/__init__.py for why not through one pages router)."""
    for module in MODULES:
        app.include_router(module.router, include_in_schema=False)
