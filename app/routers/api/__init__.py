"""The JSON API under /api/v1 (API.md): thin handlers around the services.

Every operation is a CheckedRoute (app/routers/routing.py: 405 with the resource's full
`Allow`, bodies with lone surrogates refused) and documents the problem documents it can
answer (problems.py): each module's common statuses here, an operation's own where it is
declared."""

from fastapi import FastAPI

from app.routers.api import (
    api_keys,
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
    webhooks,
)
from app.routers.api.problems import PROPOSAL_WRITE, SIGNED_IN, problems
from app.routers.routing import operation_id, scope_router, use_checked_routes

# (module, the problem statuses all of its operations may answer)
MODULES = (
    (auth, (400, 401, 404, 422, 429)),
    (users, (*SIGNED_IN, 403, 404, 412)),
    (departments, (*SIGNED_IN, 403, 404, 412)),
    (initiatives, (*SIGNED_IN, 404)),
    (search, SIGNED_IN),
    (proposals, PROPOSAL_WRITE),
    (attachments, (*PROPOSAL_WRITE, 413, 415)),
    (review, PROPOSAL_WRITE),
    (budget, PROPOSAL_WRITE),
    (execution, PROPOSAL_WRITE),
    (rounds, (*SIGNED_IN, 403, 404)),
    (stats, SIGNED_IN),
    (reports, (*SIGNED_IN, 403)),
    (health, ()),
    (api_keys, (*SIGNED_IN, 403, 404)),
    (webhooks, (*SIGNED_IN, 403, 404)),
)

PREFIX = "/api/v1"

for module, _statuses in MODULES:
    use_checked_routes(module.router)
    scope_router(module.router, mounted_at=PREFIX)


def include_in(app: FastAPI) -> None:
    """Includes each module's router straight into the app, under /api/v1. One level, not
    an /api/v1 router holding the modules: FastAPI walks every level of included routers
    on every request, twice (docs/benchmarks.md)."""
    for module, statuses in MODULES:
        app.include_router(
            module.router,
            prefix=PREFIX,
            responses=problems(*statuses),
            generate_unique_id_function=operation_id,
        )
