"""Who may see a proposal (API.md), as one SQL condition used for lists and single reads.

Authors and co-authors always; the secretariat and the supervisors of the author's
department once it was submitted (drafts and returned proposals stay with the authors);
everyone once adopted. Later issues add assigned reviewers. Anyone else gets 404.
"""

from sqlalchemy import and_, false, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, select

from app.errors import NotFound
from app.i18n import N_
from app.models import Proposal, ProposalCoAuthor, User
from app.models.enums import Role, Status
from app.models.types import ID_MAX

NOT_FOUND = N_("指定された提案が見つかりません。")

PUBLIC_STATUSES = (Status.adopted, Status.budgeted, Status.in_progress, Status.completed)
PRIVATE_STATUSES = (Status.draft, Status.returned)

# Extra conditions registered by later issues (e.g. assigned reviewers).
_EXTRA_RULES: list = []


def add_visibility_rule(rule) -> None:
    """rule(user) -> a SQL condition on Proposal granting sight, or None."""
    _EXTRA_RULES.append(rule)


def _was_submitted() -> ColumnElement[bool]:
    return and_(
        Proposal.submitted_at.is_not(None),  # type: ignore[union-attr]
        Proposal.status.not_in([s.value for s in PRIVATE_STATUSES]),  # type: ignore[attr-defined]
    )


def visible_clause(user: User) -> ColumnElement[bool]:
    co_authored = select(ProposalCoAuthor.proposal_id).where(ProposalCoAuthor.user_id == user.id)
    rules: list[ColumnElement[bool]] = [
        Proposal.author_id == user.id,
        Proposal.id.in_(co_authored),  # type: ignore[union-attr]
        Proposal.status.in_([s.value for s in PUBLIC_STATUSES]),  # type: ignore[attr-defined]
    ]
    if user.has_role(Role.secretariat):
        rules.append(_was_submitted())
    if user.has_role(Role.supervisor) and user.department_id is not None:
        rules.append(and_(_was_submitted(), Proposal.department_id == user.department_id))
    for extra in _EXTRA_RULES:
        condition = extra(user)
        if condition is not None:
            rules.append(condition)
    return or_(false(), *rules)


def get_visible_proposal(session: Session, *, proposal_id: int, user: User) -> Proposal:
    """The proposal if this user may see it; NotFound (404) otherwise, existing or not
    (also for an id no row can have, which the database would refuse to compare)."""
    if not 1 <= proposal_id <= ID_MAX:
        raise NotFound(NOT_FOUND)
    query = select(Proposal).where(Proposal.id == proposal_id).where(visible_clause(user))
    proposal = session.exec(query).first()
    if proposal is None:
        raise NotFound(NOT_FOUND)
    return proposal
