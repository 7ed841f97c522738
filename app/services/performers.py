"""Imports every module that registers lifecycle performers, so the table is complete
wherever actions are offered (routers import this once)."""

from app.services import (  # noqa: F401
    budget,
    decisions,
    execution,
    proposals,
    review,
    reviewers,
)
from app.services.lifecycle import Action, is_available

# Actions with their own paths (POST /api/v1/proposals/{id}/<action>), in table order.
ROUTED_ACTIONS = [a for a in Action if a != Action.approve_budget and is_available(a)]
