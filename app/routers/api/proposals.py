"""Proposals under /api/v1/proposals: CRUD, the lifecycle actions, events and opinions."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, PlainValidator, TypeAdapter, ValidationError, WithJsonSchema
from pydantic_core import PydanticCustomError
from sqlmodel import Session

from app import rules
from app.deps import ApiUser, Credentials, IfMatch, SessionDep, SettingsDep, in_one_thread
from app.models import Proposal, User
from app.models.enums import Category, Kind, Status
from app.models.event import EventPublic
from app.models.execution import CompleteBody, StartBody
from app.models.page import Page
from app.models.proposal import (
    DecideBody,
    EmptyBody,
    OpinionBody,
    ProposalCreate,
    ProposalPublic,
    ProposalUpdate,
    ReasonBody,
    RequiredReasonBody,
    SearchMatch,
)
from app.models.types import FiscalYear, Id, Text, id_of
from app.routers.api.common import envelope, json_answer, with_etag
from app.rules import Action
from app.services import lifecycle
from app.services import proposals as proposals_service
from app.services.disclosure import event_views, proposal_views
from app.services.drafts import discard_draft
from app.services.pagination import PageParams, page_params
from app.services.proposals import ProposalFilters
from app.services.snippets import search_snippets

router = APIRouter(tags=["proposals"])

FISCAL_YEAR = Query(description="年度 (the Gregorian year it starts in)")
ProposalId = Annotated[Id, Path(description="the proposal's id")]
# `:int`: /proposals/similar (search.py) is another resource, so PATCH /proposals/similar
# is 405 like any method it lacks, not an edit of a proposal with the id "similar".
PROPOSAL = "/proposals/{proposal_id:int}"


def _public(session, proposal, user) -> ProposalPublic:
    return proposal_views(session, [proposal], user)[0]


def visible_proposal(proposal_id: ProposalId, session: SessionDep, user: ApiUser) -> Proposal:
    """The proposal, or 404 when the caller may not see it. As a dependency it runs before
    the request body is validated, so 404 (and the 403 of the gates below) come before 422
    as API.md orders them."""
    return proposals_service.get_proposal(session, proposal_id=proposal_id, user=user)


VisibleProposal = Annotated[Proposal, Depends(visible_proposal)]


_ID = TypeAdapter(Id)


def _id_or_none(value: Any) -> int | str:
    """An id, or the word `none`; an error is the id's own (one error, not one per
    alternative as a union would give)."""
    if value == "none":
        return value
    try:
        return _ID.validate_python(value)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise PydanticCustomError(error["type"], error["msg"], error.get("ctx")) from None


IdOrNone = Annotated[
    int | str,
    PlainValidator(_id_or_none),
    WithJsonSchema({"anyOf": [TypeAdapter(Id).json_schema(), {"const": "none"}]}),
]


async def proposal_filters(  # no I/O: no thread hop
    status: Annotated[list[Status] | None, Query()] = None,
    initiative_id: Annotated[
        IdOrNone | None,
        Query(description="an initiative id, or `none` for proposals tied to none"),
    ] = None,
    fiscal_year: Annotated[FiscalYear | None, FISCAL_YEAR] = None,
    department_id: Id | None = None,
    kind: Kind | None = None,
    category: Category | None = None,
    round_id: Id | None = None,
    mine: bool = False,
    q: Annotated[Text | None, Query(max_length=100)] = None,
    sort: Annotated[
        Literal["relevance", "updated"] | None,
        Query(description="with `q`: `relevance` (the default) or `updated` (newest first)"),
    ] = None,
) -> ProposalFilters:
    return ProposalFilters(
        status=status,
        initiative_id=initiative_id if isinstance(initiative_id, int) else None,  # or "none"
        no_initiative=initiative_id == "none",
        fiscal_year=fiscal_year,
        department_id=department_id,
        kind=kind,
        category=category,
        round_id=round_id,
        mine=mine,
        q=q,
        sort=sort,
    )


@router.get("/proposals", response_model=Page[ProposalPublic], dependencies=[Credentials])
async def read_proposals(
    request: Request,
    filters: Annotated[ProposalFilters, Depends(proposal_filters)],
    page: Annotated[PageParams, Depends(page_params)],
) -> Response:
    """Proposals the caller may see, filtered; `q` searches titles and texts in Japanese,
    best match first, each result with its `match` (snippet and matched words)."""

    def read(session: Session, user: User) -> Response:
        rows, total = proposals_service.list_proposals(
            session, user=user, filters=filters, page=page
        )
        views = proposal_views(session, rows, user)
        if filters.q:
            snippets = search_snippets(rows, filters.q)
            for view in views:
                found = snippets.get(view.id)
                if found is not None:
                    view.match = SearchMatch(snippet=found.text, matched_words=found.matched_words)
        return json_answer(Page[ProposalPublic](**envelope(views, total, page)))

    return await in_one_thread(request, read)


@router.post("/proposals", response_model=ProposalPublic, status_code=201)
def create_proposal(
    data: ProposalCreate, session: SessionDep, user: ApiUser, response: Response
) -> ProposalPublic:
    """Write a new proposal; it starts as a draft."""
    proposal = proposals_service.create_proposal(session, data=data, user=user)
    return with_etag(response, _public(session, proposal, user))


@router.get(PROPOSAL, response_model=ProposalPublic, dependencies=[Credentials])
async def read_proposal(proposal_id: ProposalId, request: Request) -> Response:
    """One proposal, with what the caller may do with it now (`allowed_actions`)."""

    def read(session: Session, user: User) -> Response:
        proposal = proposals_service.get_proposal(session, proposal_id=proposal_id, user=user)
        view = _public(session, proposal, user)
        return json_answer(view, etag_from=view)

    return await in_one_thread(request, read)


def authors_only(proposal: VisibleProposal, user: ApiUser) -> Proposal:
    proposals_service.check_author(proposal, user)
    return proposal


@router.delete(PROPOSAL, status_code=204)
def delete_proposal(
    proposal: VisibleProposal,
    session: SessionDep,
    user: ApiUser,
    settings: SettingsDep,
    if_match: IfMatch,
) -> Response:
    """破棄: delete a draft (its author; once submitted, withdraw it instead — 409)."""
    discard_draft(
        session,
        proposal_id=id_of(proposal),
        user=user,
        settings=settings,
        expected_version=if_match,
    )
    return Response(status_code=204)


@router.patch(PROPOSAL, response_model=ProposalPublic)
def update_proposal(
    proposal: Annotated[Proposal, Depends(authors_only)],
    session: SessionDep,
    user: ApiUser,
    if_match: IfMatch,
    response: Response,
    body: ProposalUpdate,
) -> ProposalPublic:
    """Edit a draft or returned proposal (its authors; If-Match honoured)."""
    proposal = proposals_service.update_proposal(
        session,
        proposal_id=id_of(proposal),
        changes=body.model_dump(exclude_unset=True),
        user=user,
        expected_version=if_match,
    )
    return with_etag(response, _public(session, proposal, user))


@router.get("/proposals/{proposal_id}/events", response_model=Page[EventPublic])
def read_proposal_events(
    proposal: VisibleProposal,
    session: SessionDep,
    user: ApiUser,
    page: Annotated[PageParams, Depends(page_params)],
) -> dict:
    """The proposal's audit timeline, oldest first."""
    events = event_views(session, proposal=proposal, user=user)
    return envelope(events[page.offset : page.offset + page.limit], len(events), page)


def supervisors_only(proposal: VisibleProposal, user: ApiUser) -> Proposal:
    proposals_service.check_supervisor(proposal, user)
    return proposal


@router.put("/proposals/{proposal_id}/supervisor-opinion", response_model=ProposalPublic)
def put_supervisor_opinion(
    proposal: Annotated[Proposal, Depends(supervisors_only)],
    session: SessionDep,
    user: ApiUser,
    if_match: IfMatch,
    response: Response,
    body: OpinionBody,
) -> ProposalPublic:
    """The 所属長意見: a supervisor of the author's department, while submitted or in review."""
    proposal = proposals_service.set_supervisor_opinion(
        session, proposal_id=id_of(proposal), user=user, body=body, expected_version=if_match
    )
    return with_etag(response, _public(session, proposal, user))


def may_attempt(action: Action):
    """The action's gate: 404 when hidden, 403 when the caller can never take it."""

    def gate(proposal: VisibleProposal, user: ApiUser) -> Proposal:
        rules.check_can_attempt(action, proposal, user)
        return proposal

    return gate


def act(
    action: Action,
    proposal: Proposal,
    session: SessionDep,
    user: ApiUser,
    if_match: int | None,
    response: Response,
    body: BaseModel | None,
) -> ProposalPublic:
    """Carries out the action (lifecycle.perform: 422, 409 when the status or a guard does
    not allow it, 412) and answers the proposal as it is now."""
    proposal = lifecycle.perform(
        session, proposal=proposal, user=user, action=action, body=body, expected_version=if_match
    )
    return with_etag(response, _public(session, proposal, user))


# Each action's proposal, through its gate.
SubmitGate = Annotated[Proposal, Depends(may_attempt(Action.submit))]
ReturnGate = Annotated[Proposal, Depends(may_attempt(Action.return_))]
NotAcceptGate = Annotated[Proposal, Depends(may_attempt(Action.not_accept))]
AcceptGate = Annotated[Proposal, Depends(may_attempt(Action.accept))]
WithdrawGate = Annotated[Proposal, Depends(may_attempt(Action.withdraw))]
DecideGate = Annotated[Proposal, Depends(may_attempt(Action.decide))]
ReopenReviewGate = Annotated[Proposal, Depends(may_attempt(Action.reopen_review))]
StartGate = Annotated[Proposal, Depends(may_attempt(Action.start))]
CompleteGate = Annotated[Proposal, Depends(may_attempt(Action.complete))]


# -- the lifecycle actions (docs/rules.md: who may take each, from which status) ---------------


@router.post("/proposals/{proposal_id}/submit", response_model=ProposalPublic)
def submit_proposal(
    proposal: SubmitGate,
    session: SessionDep,
    user: ApiUser,
    if_match: IfMatch,
    response: Response,
    body: EmptyBody | None = None,
) -> ProposalPublic:
    """Submit a draft or returned proposal (its authors): 提出."""
    return act(Action.submit, proposal, session, user, if_match, response, body)


@router.post("/proposals/{proposal_id}/return", response_model=ProposalPublic)
def return_proposal(
    proposal: ReturnGate,
    session: SessionDep,
    user: ApiUser,
    if_match: IfMatch,
    response: Response,
    body: RequiredReasonBody,
) -> ProposalPublic:
    """Return a submitted proposal to its authors with the reason (secretariat): 差戻し."""
    return act(Action.return_, proposal, session, user, if_match, response, body)


@router.post("/proposals/{proposal_id}/not-accept", response_model=ProposalPublic)
def not_accept_proposal(
    proposal: NotAcceptGate,
    session: SessionDep,
    user: ApiUser,
    if_match: IfMatch,
    response: Response,
    body: RequiredReasonBody,
) -> ProposalPublic:
    """Refuse a submitted proposal under the regulation, with the reason: 不受理."""
    return act(Action.not_accept, proposal, session, user, if_match, response, body)


@router.post("/proposals/{proposal_id}/accept", response_model=ProposalPublic)
def accept_proposal(
    proposal: AcceptGate,
    session: SessionDep,
    user: ApiUser,
    if_match: IfMatch,
    response: Response,
    body: EmptyBody | None = None,
) -> ProposalPublic:
    """Accept a submitted proposal into review; it gets its number (R7-0003): 受理."""
    return act(Action.accept, proposal, session, user, if_match, response, body)


@router.post("/proposals/{proposal_id}/withdraw", response_model=ProposalPublic)
def withdraw_proposal(
    proposal: WithdrawGate,
    session: SessionDep,
    user: ApiUser,
    if_match: IfMatch,
    response: Response,
    body: ReasonBody | None = None,
) -> ProposalPublic:
    """Withdraw the proposal until the decision (its author): 取下げ."""
    return act(Action.withdraw, proposal, session, user, if_match, response, body)


@router.post("/proposals/{proposal_id}/decide", response_model=ProposalPublic)
def decide_proposal(
    proposal: DecideGate,
    session: SessionDep,
    user: ApiUser,
    if_match: IfMatch,
    response: Response,
    body: DecideBody,
) -> ProposalPublic:
    """Record the committee's decision with its reason (secretariat): 審査結果."""
    return act(Action.decide, proposal, session, user, if_match, response, body)


@router.post("/proposals/{proposal_id}/reopen-review", response_model=ProposalPublic)
def reopen_review_proposal(
    proposal: ReopenReviewGate,
    session: SessionDep,
    user: ApiUser,
    if_match: IfMatch,
    response: Response,
    body: EmptyBody | None = None,
) -> ProposalPublic:
    """Take a deferred (保留) proposal back into review (secretariat): 再審査."""
    return act(Action.reopen_review, proposal, session, user, if_match, response, body)


@router.post("/proposals/{proposal_id}/start", response_model=ProposalPublic)
def start_proposal(
    proposal: StartGate,
    session: SessionDep,
    user: ApiUser,
    if_match: IfMatch,
    response: Response,
    body: StartBody | None = None,
) -> ProposalPublic:
    """Start the work with its owner and planned end (implementing department): 実施開始."""
    return act(Action.start, proposal, session, user, if_match, response, body)


@router.post("/proposals/{proposal_id}/complete", response_model=ProposalPublic)
def complete_proposal(
    proposal: CompleteGate,
    session: SessionDep,
    user: ApiUser,
    if_match: IfMatch,
    response: Response,
    body: CompleteBody,
) -> ProposalPublic:
    """File the completion report with the actual effects (implementing department): 完了."""
    return act(Action.complete, proposal, session, user, if_match, response, body)
