"""Execution under /api/v1: a proposal's milestones and progress updates, and the
implementing department's board. `start` and `complete` are lifecycle actions, routed with
the others in proposals.py."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from app.deps import ApiUser, IfMatch, SessionDep
from app.models import Milestone, Proposal
from app.models.enums import Status
from app.models.execution import (
    ExecutionBoard,
    MilestoneIn,
    MilestonePatch,
    MilestonePublic,
    MilestonesPage,
    ProgressIn,
    ProgressPublic,
)
from app.models.page import Page
from app.models.proposal import ProposalPublic
from app.models.types import Id, id_of
from app.routers.api.common import envelope
from app.routers.api.proposals import VisibleProposal
from app.services import execution, execution_board
from app.services.disclosure import proposal_views
from app.services.pagination import PageParams, page_params

router = APIRouter(tags=["execution"])
PageQuery = Annotated[PageParams, Depends(page_params)]


def executors_only(proposal: VisibleProposal, user: ApiUser) -> Proposal:
    """403 unless of the implementing department or the secretariat (before the body)."""
    execution.check_executor(proposal, user)
    return proposal


Executable = Annotated[Proposal, Depends(executors_only)]


def proposal_milestone(
    proposal: Executable,
    milestone_id: Annotated[Id, Path(description="the milestone's id")],
    session: SessionDep,
) -> Milestone:
    """404 when the milestone is not the proposal's (before the body)."""
    return execution.get_milestone(session, proposal, milestone_id)


ProposalMilestone = Annotated[Milestone, Depends(proposal_milestone)]


def _milestone(milestone, status: str = Status.in_progress.value) -> MilestonePublic:
    """`overdue` only while the proposal (in `status`) is being carried out, as the
    proposal's own; writes succeed only then, so they need not pass it."""
    return MilestonePublic.model_validate(
        {
            **milestone.model_dump(),
            "done": milestone.done_on is not None,
            "overdue": execution.milestone_overdue(milestone, status),
        }
    )


def _listing(items: list, page: PageParams) -> dict:
    return envelope(items[page.offset : page.offset + page.limit], len(items), page)


@router.get("/proposals/{proposal_id}/milestones", response_model=MilestonesPage)
def read_milestones(
    proposal: VisibleProposal, session: SessionDep, page: PageQuery
) -> MilestonesPage:
    """The proposal's milestones in due-date order, with its derived progress and overdue."""
    items = [
        _milestone(m, proposal.status)
        for m in execution.milestones_of(session, proposal_id=id_of(proposal))
    ]
    return MilestonesPage(
        **_listing(items, page),
        progress_percent=proposal.progress_percent,
        overdue=execution.is_overdue(proposal),
    )


@router.post("/proposals/{proposal_id}/milestones", response_model=MilestonePublic, status_code=201)
def create_milestone(
    proposal: Executable, session: SessionDep, user: ApiUser, if_match: IfMatch, body: MilestoneIn
) -> MilestonePublic:
    """Plan a milestone (implementing department, secretariat): title, due date (past dates
    are allowed: milestones are often recorded late) and weight (1–100, default 1)."""
    milestone = execution.add_milestone(
        session, proposal_id=id_of(proposal), user=user, body=body, expected_version=if_match
    )
    return _milestone(milestone)


@router.patch("/proposals/{proposal_id}/milestones/{milestone_id}", response_model=MilestonePublic)
def patch_milestone(
    milestone: ProposalMilestone,
    session: SessionDep,
    user: ApiUser,
    if_match: IfMatch,
    body: MilestonePatch,
) -> MilestonePublic:
    """Tick (`{"done": true}`, optionally with `done_on`), untick or edit a milestone."""
    milestone = execution.update_milestone(
        session,
        proposal_id=milestone.proposal_id,
        milestone_id=id_of(milestone),
        user=user,
        body=body,
        expected_version=if_match,
    )
    return _milestone(milestone)


@router.delete("/proposals/{proposal_id}/milestones/{milestone_id}", status_code=204)
def remove_milestone(
    milestone: ProposalMilestone, session: SessionDep, user: ApiUser, if_match: IfMatch
) -> Response:
    """Remove a milestone entered by mistake (the timeline keeps what it was)."""
    execution.delete_milestone(
        session,
        proposal_id=milestone.proposal_id,
        milestone_id=id_of(milestone),
        user=user,
        expected_version=if_match,
    )
    return Response(status_code=204)


@router.get("/proposals/{proposal_id}/progress", response_model=Page[ProgressPublic])
def read_progress(proposal: VisibleProposal, session: SessionDep, page: PageQuery) -> dict:
    """The progress updates, newest first."""
    updates = execution.updates_of(session, proposal_id=id_of(proposal))
    return _listing([ProgressPublic.model_validate(u.model_dump()) for u in updates], page)


@router.post("/proposals/{proposal_id}/progress", response_model=ProgressPublic, status_code=201)
def create_progress(
    proposal: Executable, session: SessionDep, user: ApiUser, if_match: IfMatch, body: ProgressIn
) -> ProgressPublic:
    """Report progress (0–100 %) with a note, while in progress. Once there are milestones
    the proposal's progress follows them instead."""
    update = execution.add_progress(
        session, proposal_id=id_of(proposal), user=user, body=body, expected_version=if_match
    )
    return ProgressPublic.model_validate(update.model_dump())


@router.get("/execution/board", response_model=ExecutionBoard)
def read_board(
    session: SessionDep,
    user: ApiUser,
    department_id: Annotated[
        Id | None, Query(description="secretariat only; own by default")
    ] = None,
) -> ExecutionBoard:
    """The department's proposals being carried out (overdue first) and those waiting to
    start. Staff see their own department; the secretariat any."""
    view = execution_board.board(session, user=user, department_id=department_id)

    def views(proposals) -> list[ProposalPublic]:
        return proposal_views(session, proposals, user)

    return ExecutionBoard(
        department_id=id_of(view.department),
        department_name=view.department.name,
        in_progress=views(view.in_progress),
        waiting=views(view.waiting),
        overdue=len(view.overdue_ids),
    )
