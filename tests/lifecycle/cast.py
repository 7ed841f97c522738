"""The people of the lifecycle tests and who of them can see a proposal in each status,
written out from API.md independently of the visibility module."""

from app.models.enums import Status
from tests.helpers import SUBMITTED_OR_LATER

PUBLIC = {Status.adopted, Status.budgeted, Status.in_progress, Status.completed}
ACTORS = (
    "author",
    "co_author",
    "secretariat",
    "supervisor",  # of the author's department
    "other_supervisor",
    "reviewer",
    "finance",
    "implementer",  # a member of the implementing department
    "other_staff",
    "admin",
)


def can_see(actor: str, status: Status) -> bool:
    """Authors always; everyone once adopted; the secretariat and the author department's
    supervisor from submission (not while returned or withdrawn as a draft)."""
    if actor in ("author", "co_author") or status in PUBLIC:
        return True
    if actor in ("secretariat", "supervisor"):
        return status in SUBMITTED_OR_LATER
    return False
