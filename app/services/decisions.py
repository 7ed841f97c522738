"""The committee's decision (採用 / 一部採用 / 保留 / 不採用) with its reason, award,
implementing department and target effects; reopening a deferred proposal. Both are
lifecycle actions; who is told is app/services/notices.py."""

from typing import Any

from sqlmodel import Session

from app import rules
from app.errors import Invalid
from app.i18n import N_
from app.models import Department, Proposal, User
from app.models.enums import OUTCOME_LABELS, OUTCOME_STATUS, Outcome
from app.models.proposal import DecideBody, EmptyBody
from app.models.types import utcnow

UNKNOWN_AWARD = N_("賞の種類が正しくありません。")
AWARD_NEEDS_ADOPTION = N_("賞は採用または一部採用の提案にだけ付けられます。")
DEPARTMENT_REQUIRED = N_("採用する場合は実施担当課を指定してください。")
UNKNOWN_DEPARTMENT = N_("指定された実施担当課が見つかりません。")
ADOPTING = (Outcome.adopted, Outcome.partially_adopted)


def validate_decision(
    session: Session, *, proposal: Proposal, user: User, body: DecideBody
) -> None:
    if body.award is not None and body.award not in rules.policy_of(session).awards:
        raise Invalid.field("award", UNKNOWN_AWARD)
    if body.award is not None and body.outcome not in ADOPTING:
        raise Invalid.field("award", AWARD_NEEDS_ADOPTION)
    if body.outcome in ADOPTING:
        if body.implementing_department_id is None:
            raise Invalid.field("implementing_department_id", DEPARTMENT_REQUIRED)
        if session.get(Department, body.implementing_department_id) is None:
            raise Invalid.field("implementing_department_id", UNKNOWN_DEPARTMENT)


def decide(session: Session, *, proposal: Proposal, user: User, body: DecideBody) -> dict[str, Any]:
    """Records the decision (the authors are told: app/services/notices.py)."""
    adopting = body.outcome in ADOPTING
    proposal.outcome = body.outcome.value
    proposal.decision_reason = body.reason
    proposal.award = body.award
    proposal.implementing_department_id = body.implementing_department_id if adopting else None
    proposal.target_hours_saved_per_year_hours = body.target_hours_saved_per_year_hours
    proposal.target_savings_yen_per_year = body.target_savings_yen_per_year
    proposal.decided_by_id = user.id
    proposal.decided_at = utcnow()
    return {
        "_target": OUTCOME_STATUS[body.outcome].value,
        "outcome": body.outcome.value,
        "award": body.award,
        "implementing_department_id": proposal.implementing_department_id,
        "target_hours_saved_per_year_hours": body.target_hours_saved_per_year_hours,
        "target_savings_yen_per_year": body.target_savings_yen_per_year,
    }


def reopen_review(
    session: Session, *, proposal: Proposal, user: User, body: EmptyBody
) -> dict[str, Any]:
    """A deferred proposal goes back to review; the earlier decision stays in the timeline."""
    previous = proposal.outcome
    proposal.outcome = None
    proposal.decision_reason = None
    proposal.award = None
    proposal.implementing_department_id = None
    proposal.target_hours_saved_per_year_hours = None
    proposal.target_savings_yen_per_year = None
    proposal.decided_at = None
    proposal.decided_by_id = None
    return {"outcome": [previous, None]}


def outcome_label(outcome: str | None) -> str:
    return OUTCOME_LABELS[Outcome(outcome)] if outcome else ""
