"""人事異動 and the work left behind (docs/mail.md, "人事異動"): what the secretariat must look
at after a roster import — every deactivated person's open work (drafts, which stay theirs;
reviews to give to someone else; the work they are in charge of, with its open milestones),
and every reviewer who can no longer review a proposal they are assigned (moved into the
author's department, left, lost the role). Reads only."""

from dataclasses import dataclass, field

from sqlmodel import Session, col, func, select

from app import rules
from app.models import Milestone, Proposal, ReviewAssignment, User
from app.models.types import id_of
from app.services.review import counted_reviews
from app.services.reviewers import conflict_of


@dataclass
class LeftWork:
    user: User
    drafts: list[Proposal] = field(default_factory=list)  # kept as they are
    reviews: list[Proposal] = field(default_factory=list)  # to reassign
    owned: list[tuple[Proposal, int]] = field(default_factory=list)  # with open milestones

    @property
    def empty(self) -> bool:
        return not (self.drafts or self.reviews or self.owned)


@dataclass
class Reassignment:
    proposal: Proposal
    reviewer: User
    reason: str  # a msgid of reviewers.conflict_of, with %(name)s


def open_review_assignments(session: Session) -> list[tuple[ReviewAssignment, Proposal, User]]:
    """Active, not recused assignments on proposals in review, with no counted review in."""
    rows = session.exec(
        select(ReviewAssignment, Proposal, User)
        .join(Proposal, col(Proposal.id) == col(ReviewAssignment.proposal_id))
        .join(User, col(User.id) == col(ReviewAssignment.reviewer_id))
        .where(col(ReviewAssignment.active).is_(True))
        .where(col(ReviewAssignment.recused_at).is_(None))
        .where(rules.status_in(col(Proposal.status), rules.IN_REVIEW))
        .order_by(col(Proposal.id), col(ReviewAssignment.id))
    ).all()
    reviewed: dict[int, set[int]] = {}
    result = []
    for assignment, proposal, user in rows:
        proposal_id = id_of(proposal)
        if proposal_id not in reviewed:
            reviewed[proposal_id] = {r.reviewer_id for r in counted_reviews(session, proposal_id)}
        if user.id not in reviewed[proposal_id]:
            result.append((assignment, proposal, user))
    return result


def reassignments(session: Session) -> list[Reassignment]:
    """Reviewers assigned to a proposal in review who could not be assigned to it now."""
    result = []
    policy = rules.policy_of(session)
    for _assignment, proposal, user in open_review_assignments(session):
        reason = conflict_of(proposal, user, policy)
        if reason:
            result.append(Reassignment(proposal=proposal, reviewer=user, reason=reason))
    return result


def left_work(session: Session) -> list[LeftWork]:
    """Every deactivated person with open work, by name."""
    leavers = {
        u.id: LeftWork(user=u)
        for u in session.exec(
            select(User).where(col(User.is_active).is_(False)).order_by(col(User.id))
        ).all()
    }
    if not leavers:
        return []
    ids = list(leavers)
    for proposal in session.exec(
        select(Proposal)
        .where(col(Proposal.author_id).in_(ids))
        .where(rules.status_in(col(Proposal.status), rules.EDITABLE))
        .order_by(col(Proposal.id))
    ).all():
        leavers[proposal.author_id].drafts.append(proposal)
    for _assignment, proposal, user in open_review_assignments(session):
        if user.id in leavers:
            leavers[user.id].reviews.append(proposal)
    open_milestones = (
        select(func.count())
        .select_from(Milestone)
        .where(Milestone.proposal_id == Proposal.id)
        .where(col(Milestone.done_on).is_(None))
        .scalar_subquery()
    )
    for proposal, milestones in session.exec(
        select(Proposal, open_milestones)
        .where(col(Proposal.owner_id).in_(ids))
        .where(rules.status_in(col(Proposal.status), rules.EXECUTING))
        .order_by(col(Proposal.id))
    ).all():
        leavers[proposal.owner_id].owned.append((proposal, milestones))
    return [work for work in leavers.values() if not work.empty]
