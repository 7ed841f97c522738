"""What the review and decision pages show: the reviewers of a proposal, who could be
assigned, the score with its breakdown, and the choices of the decision form. Reads only;
the rules are app/rules/, the work review.py's, reviewers.py's and decisions.py's."""

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from app import rules
from app.models import Department, Proposal, ReviewAssignment, User, UserRole
from app.models.enums import OUTCOME_LABELS, Role
from app.models.types import id_of
from app.services import review as review_service
from app.services.departments import all_departments
from app.services.reviewers import conflict_of


def reviewer_rows(
    session: Session, proposal_id: int, proposal: Proposal | None = None
) -> list[dict[str, Any]]:
    """The proposal's active reviewers (recused ones included, marked) with their counted
    review, if any. Given the proposal, each counted reviewer who could no longer be
    assigned (moved into the author's department by 人事異動, left, lost the role) carries
    the reason under "reassign" (docs/mail.md, "人事異動")."""
    rows = session.exec(
        select(ReviewAssignment, User)
        .join(User, col(User.id) == ReviewAssignment.reviewer_id)
        .where(ReviewAssignment.proposal_id == proposal_id)
        .where(col(ReviewAssignment.active).is_(True))
        .order_by(col(ReviewAssignment.assigned_at), col(ReviewAssignment.id))
    ).all()
    reviews = {r.reviewer_id: r for r in review_service.counted_reviews(session, proposal_id)}
    policy = rules.policy_of(session)
    return [
        {
            "reviewer_id": a.reviewer_id,
            "name": u.name,
            "assigned_at": a.assigned_at,
            "recused_at": a.recused_at,
            "recusal_reason": a.recusal_reason,
            "reviewed": a.reviewer_id in reviews,
            "review": reviews.get(a.reviewer_id),
            "reassign": (
                conflict_of(proposal, u, policy)
                if proposal is not None and a.recused_at is None
                else None
            ),
        }
        for a, u in rows
    ]


@dataclass
class Candidate:
    user: User
    department: str
    conflict: str | None  # a msgid from reviewers.conflict_of
    assigned: bool


def reviewer_candidates(
    session: Session, proposal: Proposal, assigned_ids: set[int]
) -> list[Candidate]:
    """Active holders of the reviewer role, each with the conflict that would refuse them."""
    holders = select(UserRole.user_id).where(UserRole.role == Role.reviewer.value)
    users = session.exec(
        select(User)
        .where(col(User.is_active).is_(True))
        .where(col(User.id).in_(holders))
        .order_by(col(User.department_id), col(User.name_kana), col(User.name))
    ).all()
    departments = {d.id: d.name for d in session.exec(select(Department)).all()}
    policy = rules.policy_of(session)
    return [
        Candidate(
            user=u,
            department=departments.get(u.department_id, "—") if u.department_id else "—",
            conflict=conflict_of(proposal, u, policy),
            assigned=u.id in assigned_ids,
        )
        for u in users
    ]


@dataclass
class ReviewPanel:
    """The secretariat's view of a proposal's review."""

    reviewers: list[dict[str, Any]]
    breakdown: list[dict[str, Any]]
    can_assign: bool
    candidates: list[Candidate] = field(default_factory=list)


def review_panel(
    session: Session, proposal: Proposal, user: User, caps: rules.Capabilities
) -> ReviewPanel | None:
    """For the secretariat: reviewers, score breakdown and (while in review) the
    assignment form's candidates. None for anyone else, and before the review."""
    if not user.has_role(Role.secretariat):
        return None
    reviewers = reviewer_rows(session, id_of(proposal), proposal)
    can_assign = caps.can(rules.Activity.assign_reviewers)
    if not can_assign and not reviewers:
        return None  # not reviewed (yet, or ever): nothing to show
    _proposal, reviews = review_service.list_reviews(
        session, proposal_id=id_of(proposal), user=user
    )
    counted = {r["reviewer_id"] for r in reviewers if r["recused_at"] is None}
    return ReviewPanel(
        reviewers=reviewers,
        breakdown=review_service.breakdown(session, reviews),
        can_assign=can_assign,
        candidates=reviewer_candidates(session, proposal, counted) if can_assign else [],
    )


def decision_choices(session: Session) -> dict[str, Any]:
    """The decision form's select options: outcomes, awards and departments."""
    return {
        "outcomes": list(OUTCOME_LABELS),
        "awards": dict(rules.policy_of(session).awards),
        "departments": all_departments(session, active_only=True),
    }
