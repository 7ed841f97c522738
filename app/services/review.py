"""Review: assigning reviewers (with conflict-of-interest rules), recusal, scoring on the
rubric, and the proposal's score kept in step with every change.

Score: each review's total is Σ (level / 5 × weight) over its rubric version's criteria
(0–100). The proposal's score is the mean of the counted reviews' totals, to one decimal.
With one rubric version this equals API.md's Σ (mean_c / 5 × weight_c); when the rubric
changed mid-round, each review still counts on the version it was made on. Reviews count
while their reviewer is assigned and has not recused. 要協議 (`needs_discussion`) is set
when the counted totals spread by more than the policy's margin.
"""

from collections.abc import Collection
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, case
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app import rules
from app.errors import Forbidden, Invalid
from app.i18n import N_
from app.models import (
    Proposal,
    Review,
    ReviewAssignment,
    RubricCriterion,
    RubricVersion,
    User,
)
from app.models.enums import Role
from app.models.review import ReviewIn
from app.models.types import id_of, utcnow
from app.services import rubric as rubric_service
from app.services.concurrency import check_version, claim, lock
from app.services.events import record_event
from app.services.notices import announce
from app.services.visibility import facts_for, get_visible_proposal, reviewing_clause

REVIEWS_HIDDEN = N_("審査の内容を見られるのは事務局と担当の審査委員だけです。")
SCORE_RANGE = N_("1から5の整数で採点してください。")
SCORE_MISSING = N_("すべての評価項目を採点してください。")
ONE_DECIMAL = Decimal("0.1")
SCORE_UNKNOWN = N_("評価基準にない項目です。")


def counted_assignments(proposal_id: int) -> SelectOfScalar[ReviewAssignment]:
    """Assignments whose reviews count: active and not recused."""
    return (
        select(ReviewAssignment)
        .where(ReviewAssignment.proposal_id == proposal_id)
        .where(col(ReviewAssignment.active).is_(True))
        .where(col(ReviewAssignment.recused_at).is_(None))
    )


def assignment_of(session: Session, *, proposal_id: int, user: User) -> ReviewAssignment | None:
    """The user's counted assignment on this proposal, if any."""
    return session.exec(
        counted_assignments(proposal_id).where(ReviewAssignment.reviewer_id == user.id)
    ).first()


def blind_proposal_ids(session: Session, *, user: User) -> set[int]:
    """Proposals this user sees as a blind reviewer (no author, co-author or department)."""
    if (
        not rules.policy_of(session).blind
        or user.has_role(Role.secretariat)
        or not user.has_role(Role.reviewer)
    ):
        return set()
    rows = session.exec(
        select(ReviewAssignment.proposal_id)
        .where(ReviewAssignment.reviewer_id == user.id)
        .where(col(ReviewAssignment.active).is_(True))
    ).all()
    return set(rows)


# -- scoring -----------------------------------------------------------------------------------


def total_of(scores: dict[str, int], criteria: list[RubricCriterion]) -> float:
    """Σ (level / 5 × weight): 0–100."""
    return sum(scores[c.code] / 5 * c.weight for c in criteria)


def _clean_scores(raw: dict[str, Any], criteria: list[RubricCriterion]) -> dict[str, int]:
    errors = []
    codes = {c.code for c in criteria}
    clean: dict[str, int] = {}
    for code, value in raw.items():
        if code not in codes:
            errors.append({"loc": ["body", "scores", code], "msg": SCORE_UNKNOWN})
        elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            errors.append({"loc": ["body", "scores", code], "msg": SCORE_RANGE})
        else:
            clean[code] = value
    for code in codes - set(raw):
        errors.append({"loc": ["body", "scores", code], "msg": SCORE_MISSING})
    if errors:
        raise Invalid(N_("採点に誤りがあります。"), errors=errors)
    return clean


def assigned_proposal(session: Session, *, proposal_id: int, user: User) -> Proposal:
    """The proposal, for one of its assigned (not recused) reviewers: 404 when not
    visible, 403 for anyone else."""
    proposal = get_visible_proposal(session, proposal_id=proposal_id, user=user)
    rules.check_allowed(rules.Activity.score, proposal, user, facts_for(session, proposal, user))
    return proposal


def submit_review(
    session: Session,
    *,
    proposal_id: int,
    user: User,
    body: ReviewIn,
    expected_version: int | None = None,
) -> Review:
    """Creates or replaces the caller's review on the current rubric. 404 when not visible;
    403 unless an assigned (not recused) reviewer; 422 for a missing, unknown or
    out-of-range score; 409 once the proposal left in_review (after the decision). The
    caller validates the body after the same 404/403 checks (assigned_proposal)."""
    proposal = assigned_proposal(session, proposal_id=proposal_id, user=user)
    version, criteria = rubric_service.current_rubric(session)
    scores = _clean_scores(body.scores, criteria)
    lock(session, proposal)
    rules.check_open(rules.Activity.score, proposal)
    check_version(proposal.version, expected_version)
    total = total_of(scores, criteria)
    review = session.exec(
        select(Review).where(Review.proposal_id == proposal.id).where(Review.reviewer_id == user.id)
    ).first()
    old_total = review.total if review else None
    if review is None:
        review = Review(
            proposal_id=id_of(proposal),
            reviewer_id=id_of(user),
            rubric_version_id=id_of(version),
            scores=scores,
            comment=body.comment,
            total=total,
        )
    else:
        review.rubric_version_id, review.scores = id_of(version), scores
        review.comment, review.total, review.updated_at = body.comment, total, utcnow()
    session.add(review)
    session.flush()
    was_complete = reviews_complete(proposal)
    recompute(session, proposal)
    claim(session, proposal)
    record_event(
        session,
        proposal=proposal,
        actor=user,
        action="review",
        changes={"total": [old_total, round(total, 1)]},
    )
    announce_completed(session, proposal, was_complete=was_complete, actor=user)
    session.commit()
    session.refresh(review)
    return review


def counted_reviews(session: Session, proposal_id: int) -> list[Review]:
    counted = select(ReviewAssignment.reviewer_id).where(
        and_(
            col(ReviewAssignment.proposal_id) == proposal_id,
            col(ReviewAssignment.active).is_(True),
            col(ReviewAssignment.recused_at).is_(None),
        )
    )
    query = (
        select(Review)
        .where(Review.proposal_id == proposal_id)
        .where(col(Review.reviewer_id).in_(counted))
        .order_by(col(Review.id))
    )
    return list(session.exec(query).all())


def reviews_complete(proposal: Proposal) -> bool:
    """Every counted reviewer's review is in (and there is at least one)."""
    return proposal.reviewers_assigned > 0 and proposal.reviews_in == proposal.reviewers_assigned


def announce_completed(
    session: Session, proposal: Proposal, *, was_complete: bool, actor: User
) -> None:
    """Tells the secretariat when a change (a review, a recusal, a reviewer taken off)
    completed the set of reviews (docs/mail.md)."""
    if not was_complete and reviews_complete(proposal):
        announce(session, event="reviews-complete", proposal=proposal, actor=actor)


def recompute(session: Session, proposal: Proposal) -> None:
    """Keeps score, reviews_in, reviewers_assigned and needs_discussion in step."""
    reviews = counted_reviews(session, id_of(proposal))
    # Exact decimals: float noise must not flag a spread of exactly the margin (53.6 vs
    # 33.6 on weights 33/33/34), and the mean rounds half up (60.25 → 60.3) as by hand.
    totals = [Decimal(str(round(r.total, 6))) for r in reviews]
    proposal.reviewers_assigned = len(session.exec(counted_assignments(id_of(proposal))).all())
    proposal.reviews_in = len(totals)
    mean = sum(totals, Decimal(0)) / len(totals) if totals else None
    proposal.score = float(mean.quantize(ONE_DECIMAL, ROUND_HALF_UP)) if mean is not None else None
    proposal.needs_discussion = len(totals) >= 2 and max(totals) - min(totals) > Decimal(
        str(rules.policy_of(session).spread_margin)
    )
    session.add(proposal)


def list_reviews(
    session: Session, *, proposal_id: int, user: User
) -> tuple[Proposal, list[Review]]:
    """All counted reviews for the secretariat; only their own for an assigned reviewer;
    404 when not visible, 403 for anyone else."""
    proposal = get_visible_proposal(session, proposal_id=proposal_id, user=user)
    if user.has_role(Role.secretariat):
        return proposal, counted_reviews(session, id_of(proposal))
    if assignment_of(session, proposal_id=id_of(proposal), user=user) is not None:
        own = session.exec(
            select(Review)
            .where(Review.proposal_id == proposal.id)
            .where(Review.reviewer_id == user.id)
        ).all()
        return proposal, list(own)
    raise Forbidden(REVIEWS_HIDDEN)


def breakdown(session: Session, reviews: list[Review]) -> list[dict[str, Any]]:
    """Per criterion (by code, across the rubric versions used): label, weight, mean."""
    return breakdowns(session, {0: reviews})[0]


def breakdowns(
    session: Session, reviews_by_proposal: dict[int, list[Review]]
) -> dict[int, list[dict[str, Any]]]:
    """`breakdown` for several proposals, with one query for all their rubric versions."""
    version_ids = {r.rubric_version_id for rs in reviews_by_proposal.values() for r in rs}
    criteria = (
        session.exec(
            select(RubricCriterion)
            .where(col(RubricCriterion.rubric_version_id).in_(version_ids))
            .order_by(col(RubricCriterion.rubric_version_id).desc(), col(RubricCriterion.position))
        ).all()
        if version_ids
        else []
    )
    return {
        key: _criterion_means(
            [c for c in criteria if c.rubric_version_id in {r.rubric_version_id for r in reviews}],
            reviews,
        )
        for key, reviews in reviews_by_proposal.items()
    }


def _criterion_means(
    criteria: list[RubricCriterion], reviews: list[Review]
) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for criterion in criteria:
        rows.setdefault(
            criterion.code,
            {
                "code": criterion.code,
                "label": criterion.label,
                "weight": criterion.weight,
                "levels": [],
            },
        )
    for review in reviews:
        for code, level in review.scores.items():
            if code in rows:
                rows[code]["levels"].append(level)
    for row in rows.values():
        levels = row.pop("levels")
        row["mean"] = round(sum(levels) / len(levels), 2) if levels else None
        row["count"] = len(levels)
    return list(rows.values())


def counted_reviews_of(session: Session, proposal_ids: Collection[int]) -> dict[int, list[Review]]:
    """`counted_reviews` for several proposals in two queries (every id is a key)."""
    found: dict[int, list[Review]] = {pid: [] for pid in proposal_ids}
    if not found:
        return found
    counted = set(
        session.exec(
            select(ReviewAssignment.proposal_id, ReviewAssignment.reviewer_id)
            .where(col(ReviewAssignment.proposal_id).in_(found))
            .where(col(ReviewAssignment.active).is_(True))
            .where(col(ReviewAssignment.recused_at).is_(None))
        ).all()
    )
    reviews = session.exec(
        select(Review).where(col(Review.proposal_id).in_(found)).order_by(col(Review.id))
    ).all()
    for review in reviews:
        if (review.proposal_id, review.reviewer_id) in counted:
            found[review.proposal_id].append(review)
    return found


def reviewer_queue(session: Session, *, user: User) -> list[tuple[Proposal, Review | None]]:
    """審査待ち: the in-review proposals assigned to this reviewer, unscored first."""
    proposals = session.exec(
        select(Proposal)
        .where(reviewing_clause(user))
        .where(rules.status_in(Proposal.status, rules.IN_REVIEW))
        .order_by(col(Proposal.accepted_at), col(Proposal.id))
    ).all()
    reviews = {
        r.proposal_id: r
        for r in session.exec(select(Review).where(Review.reviewer_id == user.id)).all()
    }
    items = [(p, reviews.get(id_of(p))) for p in proposals]
    return sorted(items, key=lambda item: item[1] is not None)


class Scoring(StrEnum):
    """Where an in-review proposal's scoring stands (順位表's groups)."""

    complete = "complete"  # every counted reviewer has scored (at least one assigned)
    incomplete = "incomplete"  # reviewers assigned, some still to score: not ranked
    unassigned = "unassigned"  # no counted reviewer yet (審査委員が未割当): not ranked


SCORING_ORDER = (Scoring.complete, Scoring.incomplete, Scoring.unassigned)


def scoring_of(proposal: Proposal) -> Scoring:
    if proposal.reviewers_assigned == 0:
        return Scoring.unassigned
    return Scoring.complete if reviews_complete(proposal) else Scoring.incomplete


def scoring_clause(scoring: Scoring) -> Any:
    """`scoring_of` as an SQL condition."""
    assigned = col(Proposal.reviewers_assigned)
    if scoring == Scoring.unassigned:
        return assigned == 0
    if scoring == Scoring.complete:
        return and_(assigned > 0, col(Proposal.reviews_in) == assigned)
    return and_(assigned > 0, col(Proposal.reviews_in) < assigned)


def check_ranking_reader(user: User) -> None:
    """403 unless secretariat (the ranking and the unassigned queue are theirs)."""
    if not user.has_role(Role.secretariat):
        raise Forbidden(N_("順位表を見られるのは事務局だけです。"))


def ranking(
    session: Session,
    *,
    user: User,
    fiscal_year: int | None = None,
    round_id: int | None = None,
    initiative_id: int | None = None,
    flagged_only: bool = False,
    scoring: Scoring | None = None,
) -> list[Proposal]:
    """In-review proposals: those whose scoring is complete by score (the ranking proper),
    then those still being scored, then those with no reviewer assigned (oldest accepted
    first in each). 403 unless secretariat."""
    check_ranking_reader(user)
    query = select(Proposal).where(rules.status_in(Proposal.status, rules.IN_REVIEW))
    if fiscal_year is not None:
        query = query.where(Proposal.fiscal_year == fiscal_year)
    if round_id is not None:
        query = query.where(Proposal.round_id == round_id)
    if initiative_id is not None:
        query = query.where(Proposal.initiative_id == initiative_id)
    if flagged_only:
        query = query.where(col(Proposal.needs_discussion).is_(True))
    if scoring is not None:
        query = query.where(scoring_clause(scoring))
    group = case(
        (scoring_clause(Scoring.complete), 0),
        (scoring_clause(Scoring.incomplete), 1),
        else_=2,
    )
    query = query.order_by(
        group,
        case((scoring_clause(Scoring.complete), col(Proposal.score)), else_=None)
        .desc()
        .nulls_last(),
        col(Proposal.accepted_at),
        col(Proposal.id),
    )
    return list(session.exec(query).all())


def unassigned_queue(session: Session, *, user: User) -> list[Proposal]:
    """審査委員が未割当: in-review proposals with no counted reviewer, oldest first."""
    return ranking(session, user=user, scoring=Scoring.unassigned)


def version_numbers(session: Session) -> dict[int, int]:
    """Rubric version ids → their version numbers."""
    return {id_of(v): v.version for v in session.exec(select(RubricVersion)).all()}


def check_secretariat_view(session: Session, *, proposal_id: int, user: User) -> Proposal:
    """404 when not visible, 403 unless secretariat."""
    proposal = get_visible_proposal(session, proposal_id=proposal_id, user=user)
    if not user.has_role(Role.secretariat):
        raise Forbidden(rules.NOT_SECRETARIAT)
    return proposal
