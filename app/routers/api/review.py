"""Review and decision support under /api/v1: the rubric, reviewers, reviews, the ranking,
awards and notifications. (`decide` and `reopen-review` are lifecycle actions, routed with
the other actions in proposals.py.)"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import Session

from app.deps import ApiUser, IfMatch, SessionDep, require_roles
from app.errors import NotFound
from app.i18n import N_
from app.models import Proposal, User
from app.models.enums import Role
from app.models.page import Page
from app.models.proposal import ProposalPublic
from app.models.review import (
    AssignedProposal,
    AwardPublic,
    CriterionMean,
    CriterionPublic,
    NotificationPublic,
    NotificationsPage,
    RankedProposal,
    RecuseIn,
    ReviewerPublic,
    ReviewersIn,
    ReviewIn,
    ReviewPublic,
    ReviewsPublic,
    RoundAssignment,
    RubricIn,
    RubricPublic,
)
from app.models.types import Id, id_of
from app.presenters.paper_view import packet_pdf, review_packet
from app.presenters.review_view import reviewer_rows
from app.routers.api.common import envelope, full_list
from app.services import notifications as notifications_service
from app.services import review as review_service
from app.services import reviewers as reviewers_service
from app.services import rubric as rubric_service
from app.services.disclosure import proposal_views
from app.services.filetypes import content_disposition
from app.services.pagination import PageParams, page_params
from app.services.pdf import PDF_MEDIA_TYPE

router = APIRouter(tags=["review"])
# Declared before the filters, so 401/403 win over 422 for bad filter values.
SecretariatUser = Annotated[User, Depends(require_roles(Role.secretariat))]

# The 404 and 403 checks as dependencies: they run before the request body is validated,
# so they come before 422 as API.md orders them. The services check again.


def secretariat_proposal(proposal_id: Id, session: SessionDep, user: ApiUser) -> Proposal:
    """404 when not visible, 403 unless secretariat."""
    return review_service.check_secretariat_view(session, proposal_id=proposal_id, user=user)


def assigned_proposal(proposal_id: Id, session: SessionDep, user: ApiUser) -> Proposal:
    """404 when not visible, 403 unless an assigned (not recused) reviewer."""
    return review_service.assigned_proposal(session, proposal_id=proposal_id, user=user)


def rubric_editor(user: ApiUser) -> User:
    """403 unless secretariat."""
    rubric_service.check_rubric_editor(user)
    return user


def secretariat_round(round_id: Id, session: SessionDep, user: ApiUser) -> int:
    """404 for an unknown round, 403 unless secretariat."""
    reviewers_service.check_round_assigner(session, round_id=round_id, user=user)
    return round_id


SecretariatProposal = Annotated[Proposal, Depends(secretariat_proposal)]
AssignedProposal_ = Annotated[Proposal, Depends(assigned_proposal)]


def _rubric_envelope(session: Session) -> RubricPublic:
    version, criteria = rubric_service.current_rubric(session)
    items = [CriterionPublic.model_validate(c, from_attributes=True) for c in criteria]
    return RubricPublic(**full_list(items), version=version.version)


@router.get("/rubric", response_model=RubricPublic)
def read_rubric(session: SessionDep, _user: ApiUser) -> RubricPublic:
    """The current rubric: criteria with weights (summing to 100) and level texts 1–5."""
    return _rubric_envelope(session)


@router.put("/rubric", response_model=RubricPublic)
def replace_rubric(
    session: SessionDep, user: Annotated[User, Depends(rubric_editor)], body: RubricIn
) -> RubricPublic:
    """A new rubric version (secretariat); past reviews keep the version they used."""
    rubric_service.replace_rubric(session, body=body, user=user)
    return _rubric_envelope(session)


@router.get("/awards", response_model=Page[AwardPublic])
def read_awards(request: Request, _user: ApiUser) -> dict:
    """The configured awards, best first: `{code, label}`."""
    awards = request.app.state.policy.awards
    return full_list([AwardPublic(code=code, label=label) for code, label in awards.items()])


def _reviewers_envelope(session: Session, proposal_id: int) -> dict:
    return full_list(
        [ReviewerPublic.model_validate(row) for row in reviewer_rows(session, proposal_id)]
    )


@router.get("/proposals/{proposal_id}/reviewers", response_model=Page[ReviewerPublic])
def read_reviewers(proposal_id: Id, session: SessionDep, user: ApiUser) -> dict:
    """The proposal's reviewers and whether each has scored (secretariat)."""
    review_service.check_secretariat_view(session, proposal_id=proposal_id, user=user)
    return _reviewers_envelope(session, proposal_id)


@router.put("/proposals/{proposal_id}/reviewers", response_model=Page[ReviewerPublic])
def put_reviewers(
    proposal: SecretariatProposal,
    session: SessionDep,
    user: ApiUser,
    if_match: IfMatch,
    body: ReviewersIn,
) -> dict:
    """Set the reviewers (secretariat, while in_review); conflicts of interest are 422."""
    reviewers_service.assign_reviewers(
        session, proposal_id=id_of(proposal), user=user, body=body, expected_version=if_match
    )
    return _reviewers_envelope(session, id_of(proposal))


@router.post("/rounds/{round_id}/reviewers", response_model=RoundAssignment)
def assign_round_reviewers(
    round_id: Annotated[int, Depends(secretariat_round)],
    session: SessionDep,
    user: ApiUser,
    body: ReviewersIn,
) -> RoundAssignment:
    """Add reviewers to every in-review proposal of a round; conflicting pairs are skipped
    and listed."""
    done = reviewers_service.assign_to_round(session, round_id=round_id, user=user, body=body)
    return RoundAssignment.model_validate(done)


@router.post("/proposals/{proposal_id}/recuse", response_model=ProposalPublic)
def recuse(
    proposal: AssignedProposal_, session: SessionDep, user: ApiUser, body: RecuseIn
) -> ProposalPublic:
    """An assigned reviewer steps aside, with a reason."""
    proposal = reviewers_service.recuse(session, proposal_id=id_of(proposal), user=user, body=body)
    return proposal_views(session, [proposal], user)[0]


def _review_public(review, version_numbers: dict[int, int]) -> ReviewPublic:
    return ReviewPublic(
        reviewer_id=review.reviewer_id,
        rubric_version=version_numbers.get(review.rubric_version_id, 0),
        scores=review.scores,
        comment=review.comment,
        total=round(review.total, 1),
        updated_at=review.updated_at,
    )


@router.put("/proposals/{proposal_id}/reviews/mine", response_model=ReviewPublic, name="put_mine")
def put_my_review(
    proposal: AssignedProposal_,
    session: SessionDep,
    user: ApiUser,
    if_match: IfMatch,
    body: ReviewIn,
) -> ReviewPublic:
    """Score the proposal on every criterion (integers 1–5) with a comment; may be changed
    until the decision."""
    review = review_service.submit_review(
        session, proposal_id=id_of(proposal), user=user, body=body, expected_version=if_match
    )
    return _review_public(review, review_service.version_numbers(session))


@router.get("/proposals/{proposal_id}/reviews/mine", response_model=ReviewPublic, name="read_mine")
def read_my_review(proposal_id: Id, session: SessionDep, user: ApiUser) -> ReviewPublic:
    """The caller's own review of the proposal (404 when not yet scored)."""
    _proposal, reviews = review_service.list_reviews(session, proposal_id=proposal_id, user=user)
    mine = [r for r in reviews if r.reviewer_id == user.id]
    if not mine:
        raise NotFound(N_("まだ採点していません。"))
    return _review_public(mine[0], review_service.version_numbers(session))


@router.get("/proposals/{proposal_id}/reviews", response_model=ReviewsPublic)
def read_reviews(proposal_id: Id, session: SessionDep, user: ApiUser) -> ReviewsPublic:
    """All reviews for the secretariat, only one's own for a reviewer; with the score."""
    proposal, reviews = review_service.list_reviews(session, proposal_id=proposal_id, user=user)
    versions = review_service.version_numbers(session)
    items = [_review_public(r, versions) for r in reviews]
    # The aggregate as the proposal itself shows it to this user (disclosure.py).
    shown = proposal_views(session, [proposal], user)[0]
    breakdown = (
        review_service.breakdown(session, reviews) if user.has_role(Role.secretariat) else []
    )
    return ReviewsPublic(
        **full_list(items),
        score=shown.score,
        reviews_in=shown.reviews_in,
        reviewers_assigned=shown.reviewers_assigned,
        needs_discussion=shown.needs_discussion,
        breakdown=[CriterionMean.model_validate(row) for row in breakdown],
    )


@router.get("/reviews/assigned", response_model=Page[AssignedProposal])
def read_review_queue(session: SessionDep, user: ApiUser) -> dict:
    """審査待ち: the in-review proposals assigned to the caller, unscored first, each with
    the caller's own total."""
    queue = review_service.reviewer_queue(session, user=user)
    views = proposal_views(session, [p for p, _ in queue], user)
    items = [
        AssignedProposal(**view.model_dump(), my_total=round(r.total, 1) if r else None)
        for view, (_, r) in zip(views, queue, strict=True)
    ]
    return full_list(items)


@router.get("/ranking", response_model=Page[RankedProposal])
def read_ranking(
    session: SessionDep,
    user: ApiUser,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    round_id: Id | None = None,
    initiative_id: Id | None = None,
    flagged: bool = False,
    scoring: Annotated[
        review_service.Scoring | None,
        Query(description="only `complete`, `incomplete` or `unassigned` (審査委員が未割当)"),
    ] = None,
) -> dict:
    """In-review proposals for the secretariat: those whose scoring is complete ranked by
    score, then those still being scored and those with no reviewer (not ranked: `rank`
    null), with reviews in and 要協議 flags."""
    rows = review_service.ranking(
        session,
        user=user,
        fiscal_year=fiscal_year,
        round_id=round_id,
        initiative_id=initiative_id,
        flagged_only=flagged,
        scoring=scoring,
    )
    views = proposal_views(session, rows, user)
    items, place = [], 0
    for row, view in zip(rows, views, strict=True):
        stands = review_service.scoring_of(row)
        ranked = stands == review_service.Scoring.complete
        place += ranked
        items.append(
            RankedProposal(
                **view.model_dump(), rank=place if ranked else None, scoring=stands.value
            )
        )
    return full_list(items)


PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The packet as PDF, with `Content-Disposition: attachment`.",
        "content": {PDF_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.get("/reviews/packet.pdf", response_class=Response, responses=PDF_RESPONSE)
def export_packet_pdf(
    request: Request,
    session: SessionDep,
    user: SecretariatUser,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    round_id: Id | None = None,
) -> Response:
    """The committee's review packet (審査資料) as PDF, for the secretariat: a cover table
    (順位, 番号, 件名, 合計点, 要協議) and a page per in-review proposal of the round and/or
    fiscal year (the current fiscal year when neither is given), in the ranking's order,
    with the mean scores by rubric criterion. 422 for an unknown round."""
    packet = review_packet(session, user=user, fiscal_year=fiscal_year, round_id=round_id)
    return Response(
        packet_pdf(request, packet),
        media_type=PDF_MEDIA_TYPE,
        headers={
            "Content-Disposition": content_disposition(packet.filename),
            "Cache-Control": "no-store",
        },
    )


@router.get("/notifications", response_model=NotificationsPage)
def read_notifications(
    session: SessionDep,
    user: ApiUser,
    page: Annotated[PageParams, Depends(page_params)],
    unread: bool = False,
) -> NotificationsPage:
    """The caller's notifications, newest first, with the unread count."""
    rows, total = notifications_service.list_notifications(
        session, user=user, page=page, unread_only=unread
    )
    return NotificationsPage(
        **envelope([notifications_service.view_of(n) for n in rows], total, page),
        unread=notifications_service.unread_count(session, user=user),
    )


@router.post(
    "/notifications/{notification_id}/read",
    response_model=NotificationPublic,
    name="mark_notification_read",
)
def read_notification(notification_id: Id, session: SessionDep, user: ApiUser):
    """Mark one notification read."""
    notification = notifications_service.mark_read(
        session, user=user, notification_id=notification_id
    )
    return notifications_service.view_of(notification)


@router.post("/notifications/read-all", status_code=204, name="mark_all_notifications_read")
def read_all_notifications(session: SessionDep, user: ApiUser) -> Response:
    """Mark every notification read."""
    notifications_service.mark_all_read(session, user=user)
    return Response(status_code=204)
