"""Proposals under /api/v1/proposals: CRUD, the lifecycle actions, events and opinions."""

import inspect
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Response
from pydantic import PlainValidator, TypeAdapter, ValidationError, WithJsonSchema
from pydantic_core import PydanticCustomError

from app.deps import ApiUser, IfMatch, SessionDep
from app.models import Proposal
from app.models.enums import Category, Kind, Status
from app.models.event import EventPublic
from app.models.proposal import (
    OpinionBody,
    ProposalCreate,
    ProposalPublic,
    ProposalUpdate,
)
from app.models.types import FiscalYear, Id, Text
from app.routers.api.common import envelope, with_etag
from app.services import lifecycle
from app.services import proposals as proposals_service
from app.services.disclosure import event_views, proposal_views
from app.services.lifecycle import Action
from app.services.pagination import Envelope, PageParams, page_params
from app.services.performers import ROUTED_ACTIONS
from app.services.proposals import ProposalFilters

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


def body_parameter(function, model: type) -> None:
    """Gives `function`'s `body` parameter the request model: required when the model has
    required fields, otherwise optional (absent or null is the model's defaults)."""
    signature = inspect.signature(function)
    required = any(field.is_required() for field in model.model_fields.values())
    body = signature.parameters["body"].replace(
        annotation=Annotated[model, Body()] if required else Annotated[model | None, Body()],
        default=inspect.Parameter.empty if required else None,
    )
    parameters = [body if p.name == "body" else p for p in signature.parameters.values()]
    function.__signature__ = signature.replace(parameters=parameters)


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


def proposal_filters(
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
) -> ProposalFilters:
    return ProposalFilters(
        status=status,
        initiative_id=None if initiative_id == "none" else initiative_id,
        no_initiative=initiative_id == "none",
        fiscal_year=fiscal_year,
        department_id=department_id,
        kind=kind,
        category=category,
        round_id=round_id,
        mine=mine,
        q=q,
    )


@router.get("/proposals", response_model=Envelope[ProposalPublic])
def read_proposals(
    session: SessionDep,
    user: ApiUser,
    filters: Annotated[ProposalFilters, Depends(proposal_filters)],
    page: Annotated[PageParams, Depends(page_params)],
) -> dict:
    """Proposals the caller may see, filtered; `q` searches titles and texts in Japanese."""
    rows, total = proposals_service.list_proposals(session, user=user, filters=filters, page=page)
    return envelope(proposal_views(session, rows, user), total, page)


@router.post("/proposals", response_model=ProposalPublic, status_code=201)
def create_proposal(
    data: ProposalCreate, session: SessionDep, user: ApiUser, response: Response
) -> ProposalPublic:
    """Write a new proposal; it starts as a draft."""
    proposal = proposals_service.create_proposal(session, data=data, user=user)
    return with_etag(response, _public(session, proposal, user))


@router.get(PROPOSAL, response_model=ProposalPublic)
def read_proposal(
    proposal: VisibleProposal, session: SessionDep, user: ApiUser, response: Response
) -> ProposalPublic:
    """One proposal, with what the caller may do with it now (`allowed_actions`)."""
    return with_etag(response, _public(session, proposal, user))


def authors_only(proposal: VisibleProposal, user: ApiUser) -> Proposal:
    proposals_service.check_author(proposal, user)
    return proposal


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
        proposal_id=proposal.id,
        changes=body.model_dump(exclude_unset=True),
        user=user,
        expected_version=if_match,
    )
    return with_etag(response, _public(session, proposal, user))


@router.get("/proposals/{proposal_id}/events", response_model=Envelope[EventPublic])
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
        session, proposal_id=proposal.id, user=user, body=body, expected_version=if_match
    )
    return with_etag(response, _public(session, proposal, user))


def may_attempt(action: Action):
    """The action's gate: 404 when hidden, 403 when the caller can never take it."""

    def gate(proposal: VisibleProposal, user: ApiUser) -> Proposal:
        lifecycle.check_can_attempt(proposal, user, action)
        return proposal

    return gate


def action_route(action: Action):
    gate = may_attempt(action)

    def take_action(
        proposal: Annotated[Proposal, Depends(gate)],
        session: SessionDep,
        user: ApiUser,
        if_match: IfMatch,
        response: Response,
        body: Any = None,
    ) -> ProposalPublic:
        proposal = lifecycle.perform(
            session,
            proposal=proposal,
            user=user,
            action=action,
            body=body,
            expected_version=if_match,
        )
        return with_etag(response, _public(session, proposal, user))

    body_parameter(take_action, lifecycle.body_model(action))
    take_action.__name__ = f"{action.value.replace('-', '_')}_proposal"
    take_action.__doc__ = f"The `{action.value}` action (409 when the status does not allow it)."
    return take_action


for _action in ROUTED_ACTIONS:
    router.add_api_route(
        f"/proposals/{{proposal_id}}/{_action.value}",
        action_route(_action),
        methods=["POST"],
        response_model=ProposalPublic,
    )
