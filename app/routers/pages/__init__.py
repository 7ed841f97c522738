"""HTML pages and htmx fragments: thin handlers around the same services as the API."""

from fastapi import APIRouter

from app.routers.pages import admin, auth, docs, home, initiatives, intake, proposals

router = APIRouter(include_in_schema=False)
for module in (auth, home, proposals, intake, initiatives, admin, docs):
    router.include_router(module.router)
