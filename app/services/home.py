"""The home page's "waiting for me" and "my proposals": a few counted queries per user."""

from sqlalchemy import func
from sqlmodel import Session, col, select

from app import rules
from app.i18n import N_
from app.models import Proposal, ProposalCoAuthor, User
from app.models.enums import Role
from app.services.budget import awaiting_count
from app.services.execution_board import due_counts
from app.services.review import reviewer_queue, unassigned_queue
from app.services.visibility import visible_clause


def _mine(user: User):
    co_authored = select(ProposalCoAuthor.proposal_id).where(ProposalCoAuthor.user_id == user.id)
    return (col(Proposal.author_id) == user.id) | col(Proposal.id).in_(co_authored)


def waiting_for(session: Session, user: User) -> list[tuple[str, int, str]]:
    """(msgid, count, link) for each kind of work waiting for this user; zeros left out."""
    items: list[tuple[str, int, str]] = []

    def count(*conditions) -> int:
        query = select(func.count()).select_from(Proposal).where(visible_clause(user))
        for condition in conditions:
            query = query.where(condition)
        return session.exec(query).one()

    drafts = count(_mine(user), rules.status_in(col(Proposal.status), rules.DRAFTS))
    returned = count(_mine(user), rules.status_in(col(Proposal.status), rules.RETURNED))
    if returned:
        items.append(
            (
                N_("差し戻された提案（修正して再提出）"),
                returned,
                "/proposals?mine=true&status=returned",
            )
        )
    if drafts:
        items.append((N_("書きかけの下書き"), drafts, "/proposals?mine=true&status=draft"))
    if user.has_role(Role.secretariat):
        intake = count(rules.status_in(col(Proposal.status), rules.AWAITING_INTAKE))
        if intake:
            items.append((N_("受付待ちの提案"), intake, "/intake"))
    if user.has_role(Role.reviewer):
        unscored = sum(1 for _proposal, review in reviewer_queue(session, user=user) if not review)
        if unscored:
            items.append((N_("採点待ちの提案"), unscored, "/reviews"))
    if user.has_role(Role.supervisor) and user.department_id is not None:
        opinions = count(
            Proposal.department_id == user.department_id,
            rules.status_in(col(Proposal.status), rules.OPINION_OPEN),
            col(Proposal.supervisor_opinion).is_(None),
        )
        if opinions:
            items.append(
                (
                    N_("所属長意見を待っている提案"),
                    opinions,
                    f"/proposals?department_id={user.department_id}&status=submitted",
                )
            )
    if user.has_role(Role.finance):
        awaiting = awaiting_count(session, user=user)
        if awaiting:
            items.append((N_("予算の判断待ち"), awaiting, "/budget"))
    if user.department_id is not None:
        due = due_counts(session, user=user)
        for key, label in (
            ("overdue", N_("期限超過の実施案件")),
            ("due_soon", N_("1週間以内に期限のマイルストーン")),
            ("to_start", N_("開始待ちの採用提案")),
        ):
            if due[key]:
                items.append((label, due[key], "/execution"))
    return items


def unassigned_reviews(session: Session, user: User) -> list[Proposal]:
    """審査委員が未割当: for the secretariat, in-review proposals with no counted reviewer
    (oldest accepted first); empty for anyone else."""
    if not user.has_role(Role.secretariat):
        return []
    return unassigned_queue(session, user=user)


def recent_own(session: Session, user: User, limit: int = 5) -> list[Proposal]:
    query = (
        select(Proposal)
        .where(_mine(user))
        .order_by(col(Proposal.updated_at).desc(), col(Proposal.id).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())
