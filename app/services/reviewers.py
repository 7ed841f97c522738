"""Assigning reviewers with the conflict-of-interest rules, in bulk to a round, and
recusal. (Scoring and the score are in review.py.)"""

from typing import Any

from sqlmodel import Session, col, select

from app import rules
from app.errors import Forbidden, Invalid, NotFound
from app.i18n import N_
from app.models import Proposal, ReviewAssignment, Round, User
from app.models.enums import Role
from app.models.review import RecuseIn, ReviewersIn
from app.models.types import id_of, utcnow
from app.services.concurrency import check_version, claim, lock
from app.services.events import record_event
from app.services.notices import announce
from app.services.review import (
    announce_completed,
    assignment_of,
    counted_assignments,
    recompute,
    reviews_complete,
)
from app.services.visibility import get_visible_proposal, visible_clause
from app.validation import validate_body

CONFLICT_AUTHOR = N_("%(name)sさんは提案者または共同提案者のため、審査委員にできません。")
CONFLICT_INACTIVE = N_("%(name)sさんは無効な利用者のため、審査委員にできません。")
CONFLICT_ROLE = N_("%(name)sさんは審査委員の役割を持っていません。")
CONFLICT_DEPARTMENT = N_("%(name)sさんは提案者と同じ所属のため、審査委員にできません。")
UNKNOWN_REVIEWER = N_("指定された職員（ID %(id)s）が見つかりません。")


def conflict_of(proposal: Proposal, reviewer: User, policy: rules.ReviewPolicy) -> str | None:
    """Why this person cannot review this proposal (a msgid), or None."""
    if proposal.is_author(reviewer.id):
        return CONFLICT_AUTHOR
    if not reviewer.is_active:
        return CONFLICT_INACTIVE
    if not reviewer.has_role(Role.reviewer):
        return CONFLICT_ROLE
    if (
        policy.exclude_same_department
        and proposal.department_id is not None
        and reviewer.department_id == proposal.department_id
    ):
        return CONFLICT_DEPARTMENT
    return None


def _reviewers(session: Session, ids: list[int], proposal: Proposal) -> list[User]:
    errors = []
    reviewers = []
    seen: set[int] = set()
    for index, reviewer_id in enumerate(ids):  # index: the position in the request
        if reviewer_id in seen:
            continue
        seen.add(reviewer_id)
        reviewer = session.get(User, reviewer_id)
        if reviewer is None:
            errors.append(
                {
                    "loc": ["body", "reviewer_ids", index],
                    "msg": UNKNOWN_REVIEWER,
                    "params": {"id": reviewer_id},
                }
            )
            continue
        reason = conflict_of(proposal, reviewer, rules.policy_of(session))
        if reason:
            errors.append(
                {
                    "loc": ["body", "reviewer_ids", index],
                    "msg": reason,
                    "params": {"name": reviewer.name},
                }
            )
        reviewers.append(reviewer)
    if errors:
        raise Invalid(N_("審査委員に割り当てられない職員が含まれています。"), errors=errors)
    return reviewers


def check_assigner(proposal: Proposal, user: User) -> None:
    """403 unless secretariat (the pages check it before they validate the form)."""
    rules.check_allowed(rules.Activity.assign_reviewers, proposal, user, rules.Facts())


def assign_reviewers(
    session: Session,
    *,
    proposal_id: int,
    user: User,
    body: ReviewersIn,
    expected_version: int | None,
) -> Proposal:
    """Sets the proposal's reviewers. 404 when not visible; 403 unless secretariat; 422 for
    an author, co-author, inactive user, non-reviewer or (by policy) a colleague of the
    author's department; 409 outside in_review; 412 when stale. The caller validates the
    body after the same 404/403 checks (the API's gate; the page calls check_assigner)."""
    proposal = get_visible_proposal(session, proposal_id=proposal_id, user=user)
    check_assigner(proposal, user)
    reviewers = _reviewers(session, body.reviewer_ids, proposal)
    lock(session, proposal)
    rules.check_open(rules.Activity.assign_reviewers, proposal)
    check_version(proposal.version, expected_version)

    wanted = {id_of(r) for r in reviewers}
    existing = {
        a.reviewer_id: a
        for a in session.exec(
            select(ReviewAssignment).where(ReviewAssignment.proposal_id == proposal.id)
        ).all()
    }
    before = sorted(rid for rid, a in existing.items() if a.active and a.recused_at is None)
    newly: list[int] = []
    removed: list[int] = []
    for reviewer_id, dropped in existing.items():
        if reviewer_id not in wanted and dropped.active:
            dropped.active = False
            session.add(dropped)
            if dropped.recused_at is None:
                removed.append(reviewer_id)
    for reviewer in reviewers:
        assignment = existing.get(id_of(reviewer))
        if assignment is None:
            session.add(
                ReviewAssignment(
                    proposal_id=id_of(proposal),
                    reviewer_id=id_of(reviewer),
                    assigned_by_id=user.id,
                )
            )
            newly.append(id_of(reviewer))
        elif not assignment.active or assignment.recused_at is not None:
            assignment.active, assignment.recused_at, assignment.recusal_reason = True, None, None
            assignment.assigned_at, assignment.assigned_by_id = utcnow(), user.id
            session.add(assignment)
            newly.append(id_of(reviewer))
    session.flush()
    after = sorted(wanted)
    if before == after and not newly:
        session.rollback()
        return proposal
    was_complete = reviews_complete(proposal)
    recompute(session, proposal)
    claim(session, proposal)
    record_event(
        session,
        proposal=proposal,
        actor=user,
        action="assign-reviewers",
        changes={"reviewer_ids": [before, after]},
    )
    announce(session, event="review-assigned", proposal=proposal, actor=user, people=newly)
    announce(session, event="review-unassigned", proposal=proposal, actor=user, people=removed)
    announce_completed(session, proposal, was_complete=was_complete, actor=user)
    session.commit()
    session.refresh(proposal)
    return proposal


def check_round_assigner(session: Session, *, round_id: int, user: User) -> None:
    """404 for an unknown round (rounds are public, so before 403); 403 unless
    secretariat."""
    if session.get(Round, round_id) is None:
        raise NotFound(N_("指定された募集回が見つかりません。"))
    if not user.has_role(Role.secretariat):
        raise Forbidden(rules.NOT_SECRETARIAT)


def assign_to_round(
    session: Session, *, round_id: int, user: User, body: ReviewersIn
) -> dict[str, Any]:
    """Adds the reviewers to every in-review proposal of a round, skipping each pairing
    the conflict rules refuse (reported, not an error). 404/403 as check_round_assigner."""
    check_round_assigner(session, round_id=round_id, user=user)
    found = [session.get(User, rid) for rid in dict.fromkeys(body.reviewer_ids)]
    reviewers = [r for r in found if r is not None]
    if len(reviewers) != len(found):
        raise Invalid.field("reviewer_ids", N_("指定された職員が見つかりません。"))
    policy = rules.policy_of(session)
    proposals = session.exec(
        select(Proposal)
        .where(visible_clause(user))
        .where(Proposal.round_id == round_id)
        .where(rules.status_in(Proposal.status, rules.IN_REVIEW))
        .order_by(col(Proposal.id))
    ).all()
    assigned, skipped = 0, []
    for proposal in proposals:
        current = [a.reviewer_id for a in session.exec(counted_assignments(id_of(proposal))).all()]
        addable = []
        for reviewer in reviewers:
            reason = conflict_of(proposal, reviewer, policy)
            if reason:
                skipped.append(
                    {
                        "proposal_id": proposal.id,
                        "reviewer_id": reviewer.id,
                        "reason": reason,
                        "name": reviewer.name,
                    }
                )
            elif reviewer.id not in current:
                addable.append(reviewer.id)
        if addable:
            assign_reviewers(
                session,
                proposal_id=id_of(proposal),
                user=user,
                body=validate_body(ReviewersIn, {"reviewer_ids": current + addable}),
                expected_version=None,
            )
            assigned += len(addable)
    return {"proposals": len(proposals), "assigned": assigned, "skipped": skipped}


def recuse(session: Session, *, proposal_id: int, user: User, body: RecuseIn) -> Proposal:
    """The reviewer steps aside with a reason. 404/403 (not assigned)/422/409. The caller
    validates the body after the same 404/403 checks (review.assigned_proposal)."""
    proposal = get_visible_proposal(session, proposal_id=proposal_id, user=user)
    assignment = assignment_of(session, proposal_id=id_of(proposal), user=user)
    facts = rules.Facts(assigned_reviewer=assignment is not None)
    rules.check_allowed(rules.Activity.recuse, proposal, user, facts)
    assert assignment is not None
    if not body.reason.strip():
        raise Invalid.field("reason", rules.REASON_REQUIRED)
    lock(session, proposal)
    rules.check_open(rules.Activity.recuse, proposal)
    assignment.recused_at = utcnow()
    assignment.recusal_reason = body.reason
    session.add(assignment)
    session.flush()
    was_complete = reviews_complete(proposal)
    recompute(session, proposal)
    claim(session, proposal)
    record_event(session, proposal=proposal, actor=user, action="recuse", reason=body.reason)
    announce_completed(session, proposal, was_complete=was_complete, actor=user)
    session.commit()
    session.refresh(proposal)
    return proposal
