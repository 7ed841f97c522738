"""Proposals under /api/v1/proposals: CRUD, the lifecycle actions, events and opinions."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Response

from app.deps import ApiUser, IfMatch, SessionDep
from app.errors import Invalid
from app.i18n import N_
from app.models.enums import Category, Kind, Status
from app.models.event import EventPublic
from app.models.proposal import (
    OpinionBody,
    ProposalCreate,
    ProposalPublic,
    ProposalUpdate,
)
from app.routers.api.common import envelope, with_etag
from app.services import lifecycle
from app.services import proposals as proposals_service
from app.services.disclosure import event_views, proposal_views
from app.services.lifecycle import Action
from app.services.pagination import Envelope, PageParams, page_params
from app.services.performers import ROUTED_ACTIONS
from app.services.proposals import ProposalFilters

router = APIRouter(tags=["proposals"])

FISCAL_YEAR = Query(ge=2000, le=2100, description="年度 (the Gregorian year it starts in)")
RawBody = Annotated[dict[str, Any] | None, Body()]


def _public(session, proposal, user) -> ProposalPublic:
    return proposal_views(session, [proposal], user)[0]


def _schema(model) -> dict:
    return {
        "requestBody": {
            "content": {"application/json": {"schema": model.model_json_schema()}},
            "required": False,
        }
    }


def proposal_filters(
    status: Annotated[list[Status] | None, Query()] = None,
    initiative_id: Annotated[
        str | None, Query(description="an initiative id, or `none` for proposals tied to none")
    ] = None,
    fiscal_year: Annotated[int | None, FISCAL_YEAR] = None,
    department_id: int | None = None,
    kind: Kind | None = None,
    category: Category | None = None,
    round_id: int | None = None,
    mine: bool = False,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> ProposalFilters:
    no_initiative = initiative_id == "none"
    initiative = None
    if initiative_id not in (None, "", "none"):
        if not initiative_id.isdigit():
            raise Invalid(
                N_("入力内容に誤りがあります。"),
                errors=[{"loc": ["query", "initiative_id"], "msg": N_("整数で入力してください。")}],
            )
        initiative = int(initiative_id)
    return ProposalFilters(
        status=status,
        initiative_id=initiative,
        no_initiative=no_initiative,
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


@router.get("/proposals/{proposal_id}", response_model=ProposalPublic)
def read_proposal(
    proposal_id: int, session: SessionDep, user: ApiUser, response: Response
) -> ProposalPublic:
    """One proposal, with what the caller may do with it now (`allowed_actions`)."""
    proposal = proposals_service.get_proposal(session, proposal_id=proposal_id, user=user)
    return with_etag(response, _public(session, proposal, user))


@router.patch(
    "/proposals/{proposal_id}", response_model=ProposalPublic, openapi_extra=_schema(ProposalUpdate)
)
def update_proposal(
    proposal_id: int,
    session: SessionDep,
    user: ApiUser,
    if_match: IfMatch,
    response: Response,
    body: RawBody = None,
) -> ProposalPublic:
    """Edit a draft or returned proposal (its authors; If-Match honoured)."""
    proposal = proposals_service.update_proposal(
        session, proposal_id=proposal_id, changes=body or {}, user=user, expected_version=if_match
    )
    return with_etag(response, _public(session, proposal, user))


@router.get("/proposals/{proposal_id}/events", response_model=Envelope[EventPublic])
def read_proposal_events(
    proposal_id: int,
    session: SessionDep,
    user: ApiUser,
    page: Annotated[PageParams, Depends(page_params)],
) -> dict:
    """The proposal's audit timeline, oldest first."""
    proposal = proposals_service.get_proposal(session, proposal_id=proposal_id, user=user)
    events = event_views(session, proposal=proposal, user=user)
    return envelope(events[page.offset : page.offset + page.limit], len(events), page)


@router.put(
    "/proposals/{proposal_id}/supervisor-opinion",
    response_model=ProposalPublic,
    openapi_extra=_schema(OpinionBody),
)
def put_supervisor_opinion(
    proposal_id: int,
    session: SessionDep,
    user: ApiUser,
    if_match: IfMatch,
    response: Response,
    body: RawBody = None,
) -> ProposalPublic:
    """The 所属長意見: a supervisor of the author's department, while submitted or in review."""
    proposal = proposals_service.set_supervisor_opinion(
        session, proposal_id=proposal_id, user=user, body=body, expected_version=if_match
    )
    return with_etag(response, _public(session, proposal, user))


def _action_route(action: Action):
    def take_action(
        proposal_id: int,
        session: SessionDep,
        user: ApiUser,
        if_match: IfMatch,
        response: Response,
        body: RawBody = None,
    ) -> ProposalPublic:
        proposal = proposals_service.get_proposal(session, proposal_id=proposal_id, user=user)
        proposal = lifecycle.perform(
            session,
            proposal=proposal,
            user=user,
            action=action,
            body=body,
            expected_version=if_match,
        )
        return with_etag(response, _public(session, proposal, user))

    take_action.__name__ = f"{action.value.replace('-', '_')}_proposal"
    take_action.__doc__ = f"The `{action.value}` action (409 when the status does not allow it)."
    return take_action


for _action in ROUTED_ACTIONS:
    router.add_api_route(
        f"/proposals/{{proposal_id}}/{_action.value}",
        _action_route(_action),
        methods=["POST"],
        response_model=ProposalPublic,
        openapi_extra=_schema(lifecycle.body_model(_action)),
    )
