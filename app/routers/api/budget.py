"""Budgets under /api/v1: a proposal's budget record, approval and denial, the fiscal
year's list with totals, finance's queue, and the exports."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from app.deps import ApiUser, IfMatch, SessionDep, require_roles
from app.i18n import gettext as _
from app.models import Proposal, User
from app.models.budget import (
    ApproveIn,
    BudgetHistory,
    BudgetIn,
    BudgetPublic,
    BudgetQueueYear,
    BudgetYear,
    BudgetYearRecord,
    DenyIn,
)
from app.models.enums import Role
from app.models.page import Page
from app.models.proposal import ProposalPublic
from app.models.types import FiscalYear, id_of
from app.routers.api.common import full_list
from app.routers.api.proposals import VisibleProposal, act, may_attempt
from app.rules import Action
from app.services import budget as budget_service
from app.services.budget_export import budget_rows
from app.services.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, to_csv, to_xlsx
from app.services.filetypes import content_disposition
from app.wareki import fiscal_year_label

router = APIRouter(tags=["budget"])
FISCAL_YEAR = Query(description="年度 (the Gregorian year it starts in)")
# The role gate is a dependency declared before the query, so 403 wins over 422.
BudgetViewer = Annotated[User, Depends(require_roles(Role.finance, Role.secretariat))]


def finance_only(proposal: VisibleProposal, user: ApiUser) -> Proposal:
    """404 when hidden, then 403 unless finance (before the body)."""
    budget_service.check_finance(proposal, user)
    return proposal


FinanceProposal = Annotated[Proposal, Depends(finance_only)]


def _record(record) -> BudgetPublic:
    return BudgetPublic.model_validate(
        {**record.model_dump(), "fiscal_year_label": fiscal_year_label(record.fiscal_year)}
    )


@router.get("/proposals/{proposal_id}/budget", response_model=BudgetHistory)
def read_budget(proposal: VisibleProposal, session: SessionDep) -> BudgetHistory:
    """The proposal's current budget record and its history (newest first)."""
    records = [_record(r) for r in budget_service.records_of(session, proposal_id=id_of(proposal))]
    return BudgetHistory(current=records[0] if records else None, **full_list(records))


@router.put("/proposals/{proposal_id}/budget", response_model=BudgetPublic)
def put_budget(
    proposal: FinanceProposal, session: SessionDep, user: ApiUser, if_match: IfMatch, body: BudgetIn
) -> BudgetPublic:
    """Record whether the adopted proposal needs money, for which fiscal year and how much
    (finance). `required: false` lets the implementing department start at once."""
    record = budget_service.put_budget(
        session, proposal_id=id_of(proposal), user=user, body=body, expected_version=if_match
    )
    return _record(record)


@router.post("/proposals/{proposal_id}/budget/approve", response_model=ProposalPublic)
def approve_budget(
    proposal: Annotated[Proposal, Depends(may_attempt(Action.approve_budget))],
    session: SessionDep,
    user: ApiUser,
    if_match: IfMatch,
    response: Response,
    body: ApproveIn,
) -> ProposalPublic:
    """Approve an amount above zero (finance): the proposal becomes `budgeted`."""
    return act(Action.approve_budget, proposal, session, user, if_match, response, body)


@router.post("/proposals/{proposal_id}/budget/deny", response_model=BudgetPublic)
def deny_budget(
    proposal: FinanceProposal, session: SessionDep, user: ApiUser, body: DenyIn
) -> BudgetPublic:
    """Record that the request was not funded (見送り), with a reason (finance)."""
    return _record(budget_service.deny(session, proposal_id=id_of(proposal), user=user, body=body))


@router.get("/budget", response_model=BudgetYear)
def read_budget_year(
    user: BudgetViewer, session: SessionDep, fiscal_year: Annotated[FiscalYear, FISCAL_YEAR]
) -> BudgetYear:
    """The budget records whose money is for that fiscal year, with totals (finance,
    secretariat)."""
    view = budget_service.year_view(session, user=user, fiscal_year=fiscal_year)
    fiscal_year = view.fiscal_year
    items = [
        BudgetYearRecord(
            **_record(record).model_dump(),
            number=proposal.number,
            title=proposal.title,
            initiative_id=proposal.initiative_id,
            implementing_department_id=proposal.implementing_department_id,
        )
        for record, proposal in view.rows
    ]
    return BudgetYear.model_validate(
        {
            **full_list(items),
            "fiscal_year": view.fiscal_year,
            "fiscal_year_label": fiscal_year_label(view.fiscal_year),
            "requested_yen_total": view.requested_yen_total,
            "approved_yen_total": view.approved_yen_total,
            "by_initiative": view.by_initiative,
            "by_department": view.by_department,
        }
    )


@router.get("/budget/queue", response_model=Page[BudgetQueueYear])
def read_budget_queue(request: Request, user: BudgetViewer, session: SessionDep) -> dict:
    """Adopted proposals awaiting a budget decision, by the fiscal year they need money in,
    with the request deadline and whether it has passed."""
    groups = budget_service.queue(
        session, user=user, deadline_mmdd=request.app.state.settings.budget_request_deadline
    )
    items = [
        {
            "fiscal_year": year,
            "fiscal_year_label": fiscal_year_label(year),
            "proposals": [
                {
                    "id": i.proposal.id,
                    "number": i.proposal.number,
                    "title": i.proposal.title,
                    "budget_status": i.record.status if i.record else None,
                    "requested_yen": i.record.requested_yen if i.record else None,
                    "deadline": i.deadline,
                    "late": i.late,
                }
                for i in entries
            ],
        }
        for year, entries in groups.items()
    ]
    return full_list(items)


def _export(session, user, fiscal_year: int) -> tuple[int, list[str], list[list[Any]]]:
    view = budget_service.year_view(session, user=user, fiscal_year=fiscal_year)
    headers, rows = budget_rows(session, view)
    return view.fiscal_year, [_(h) for h in headers], rows


@router.get("/exports/budget.csv", response_class=Response)
def export_budget_csv(
    user: BudgetViewer, session: SessionDep, fiscal_year: Annotated[FiscalYear, FISCAL_YEAR]
) -> Response:
    """The fiscal year's budget list as CSV (UTF-8 with BOM, CRLF)."""
    year, headers, rows = _export(session, user, fiscal_year)
    name = f"予算一覧_{fiscal_year_label(year)}_FY{year}.csv"
    return Response(
        to_csv(headers, rows),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": content_disposition(name)},
    )


@router.get("/exports/budget.xlsx", response_class=Response)
def export_budget_xlsx(
    user: BudgetViewer, session: SessionDep, fiscal_year: Annotated[FiscalYear, FISCAL_YEAR]
) -> Response:
    """The fiscal year's budget list as Excel."""
    year, headers, rows = _export(session, user, fiscal_year)
    label = fiscal_year_label(year)
    return Response(
        to_xlsx(f"予算一覧 {label}", headers, rows),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": content_disposition(f"予算一覧_{label}_FY{year}.xlsx")},
    )
