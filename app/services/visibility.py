"""Who may see a proposal (docs/rules.md), as one SQL condition used for lists and single
reads. Each rule is listed here:

- its authors and co-authors, always;
- everyone, once adopted (`rules.PUBLIC`);
- the secretariat, once it was submitted (drafts and returned proposals stay with the
  authors: `rules.PRIVATE`);
- the supervisors of the department it was submitted from, likewise;
- its assigned reviewers (active, not recused).

Anyone else gets 404, as if it did not exist.
"""

from sqlalchemy import and_, false, or_
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from app import rules
from app.errors import NotFound
from app.i18n import N_
from app.models import Proposal, ProposalCoAuthor, ReviewAssignment, User
from app.models.enums import Role
from app.models.types import ID_MAX

NOT_FOUND = N_("指定された提案が見つかりません。")


def _was_submitted() -> ColumnElement[bool]:
    return and_(
        col(Proposal.submitted_at).is_not(None),
        ~rules.status_in(col(Proposal.status), rules.PRIVATE),
    )


def reviewing_clause(user: User) -> ColumnElement[bool]:
    """The proposals this user is a counted reviewer of."""
    assigned = (
        select(ReviewAssignment.proposal_id)
        .where(ReviewAssignment.reviewer_id == user.id)
        .where(col(ReviewAssignment.active).is_(True))
        .where(col(ReviewAssignment.recused_at).is_(None))
    )
    return col(Proposal.id).in_(assigned)


def visible_clause(user: User) -> ColumnElement[bool]:
    co_authored = select(ProposalCoAuthor.proposal_id).where(ProposalCoAuthor.user_id == user.id)
    conditions: list[ColumnElement[bool]] = [
        col(Proposal.author_id) == user.id,
        col(Proposal.id).in_(co_authored),
        rules.status_in(col(Proposal.status), rules.PUBLIC),
    ]
    if user.has_role(Role.secretariat):
        conditions.append(_was_submitted())
    if user.has_role(Role.supervisor) and user.department_id is not None:
        conditions.append(and_(_was_submitted(), col(Proposal.department_id) == user.department_id))
    if user.has_role(Role.reviewer):
        conditions.append(reviewing_clause(user))
    return or_(false(), *conditions)


def facts_for(session: Session, proposal: Proposal, user: User) -> rules.Facts:
    """What the rulebook needs beyond the proposal and the user: the review policy the
    session works under, and whether the user is one of its counted reviewers."""
    assigned = session.exec(
        select(ReviewAssignment.id)
        .where(ReviewAssignment.proposal_id == proposal.id)
        .where(ReviewAssignment.reviewer_id == user.id)
        .where(col(ReviewAssignment.active).is_(True))
        .where(col(ReviewAssignment.recused_at).is_(None))
    ).first()
    return rules.Facts(policy=rules.policy_of(session), assigned_reviewer=assigned is not None)


def capabilities_of(session: Session, proposal: Proposal, user: User) -> rules.Capabilities:
    """What this user may do with this proposal now (rules.capabilities): compute it once
    per request and hand it to every panel."""
    return rules.capabilities(proposal, user, facts_for(session, proposal, user))


def get_visible_proposal(session: Session, *, proposal_id: int, user: User) -> Proposal:
    """The proposal if this user may see it; NotFound (404) otherwise, existing or not
    (also for an id no row can have, which the database would refuse to compare)."""
    if not 1 <= proposal_id <= ID_MAX:
        raise NotFound(NOT_FOUND)
    # The co-authors come in the same query (the relationship's own loading would be a
    # second one).
    query = (
        select(Proposal)
        .options(joinedload(Proposal.co_author_rows))  # type: ignore[arg-type]
        .where(Proposal.id == proposal_id)
        .where(visible_clause(user))
    )
    proposal = session.exec(query).unique().first()
    if proposal is None:
        raise NotFound(NOT_FOUND)
    return proposal
