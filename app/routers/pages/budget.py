"""Finance pages (予算): the queue of adopted proposals awaiting a budget decision, the
fiscal year's list with totals, and the request, approval and denial forms of the
proposal page — thin handlers around the same services as /api/v1."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.config import Settings
from app.deps import PageUser, SessionDep, SettingsDep
from app.errors import Invalid
from app.htmx import redirect, render
from app.i18n import gettext as _
from app.models import BudgetRecord, Proposal, User
from app.models.budget import BudgetIn, DenyIn
from app.models.types import id_of
from app.presenters import budget_view
from app.presenters.proposal_view import detail_page_context, load_names
from app.routers.pages.forms import (
    ProposalDep,
    form_values,
    form_version,
    invalid_errors,
    page_form,
    refused,
)
from app.rules import Action
from app.services import budget as budget_service
from app.services import lifecycle
from app.templating import yen
from app.validation import validate_body
from app.wareki import fiscal_year_label, today_jst

router = APIRouter()
FiscalYearPath = Annotated[int, Path(ge=2000, le=2100)]
FiscalYearQuery = Annotated[int, Query(ge=2000, le=2100)]

REQUEST_FIELDS = (
    "required",
    "fiscal_year",
    "budget_type",
    "requested_yen",
    "account",
    "funding_source",
    "note",
)
REQUEST_OPTIONAL = ("requested_yen", "account", "note")


def _back(proposal: Proposal) -> str:
    # No #budget-panel: for htmx (HX-Redirect) a URL differing only in its fragment would
    # just scroll the page, not reload it; and the flash is at the top anyway.
    return f"/proposals/{proposal.id}"


def _form_again(
    request: Request,
    session: Session,
    proposal: Proposal,
    user: User,
    settings: Settings,
    *,
    form: str,
    values: dict[str, Any],
    exc: Invalid,
) -> Response:
    """The proposal page (htmx: only the form) with the submitted values and the errors."""
    context = detail_page_context(session, proposal, user, settings)
    panel = context["budget"]
    shown = panel is not None and (panel.can_record if form == "request" else panel.can_decide)
    if not shown:  # the form is not on the page (any more): say why at the top instead
        return refused(request, _back(proposal), exc)
    setattr(panel, f"{form}_values", values)
    setattr(panel, f"{form}_errors", invalid_errors(exc))
    return render(
        request,
        "pages/proposals/detail.html",
        context,
        block=f"budget_{form}_form",
        status_code=422,
    )


@router.get("/budget")
def budget_queue_page(
    request: Request, session: SessionDep, user: PageUser, settings: SettingsDep
) -> Response:
    """予算の判断待ち: adopted proposals by the fiscal year they need money in (finance,
    secretariat)."""
    groups = budget_view.queue_groups(
        session, user=user, deadline_mmdd=settings.budget_request_deadline
    )
    proposals = [item.proposal for group in groups for item in group.items]
    context = {
        "groups": groups,
        "names": load_names(session, proposals),
        "total": len(proposals),
        "years": budget_view.window_years(),
        "today": today_jst(),
    }
    return render(request, "pages/budget/queue.html", context)


@router.get("/budget/year")
def choose_budget_year(request: Request, user: PageUser, fiscal_year: FiscalYearQuery) -> Response:
    """The fiscal-year selector's target (works without JavaScript)."""
    return redirect(request, f"/budget/{fiscal_year}")


@router.get("/budget/{fiscal_year}")
def budget_year_page(
    fiscal_year: FiscalYearPath, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """The fiscal year's budget records with totals requested against approved, by
    initiative and by implementing department (finance, secretariat)."""
    view = budget_service.year_view(session, user=user, fiscal_year=fiscal_year)
    context = {"page": budget_view.year_page(session, view)}
    return render(request, "pages/budget/year.html", context)


@router.post("/proposals/{proposal_id}/budget")
async def record_budget(
    proposal: ProposalDep,
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
) -> Response:
    """Record or correct the budget request (finance); errors come back inline (422)."""
    budget_service.check_finance(proposal, user)  # 403 before the form's 422, as the API's gate
    form = await request.form()
    values = form_values(form, fields=REQUEST_FIELDS, optional=REQUEST_OPTIONAL)
    body = dict(values)
    if body.get("required") in ("true", "false"):  # the radio buttons' values
        body["required"] = body["required"] == "true"

    def done(record: BudgetRecord) -> str:
        if not record.required:
            return _("予算不要として登録しました。実施担当課はすぐに実施を始められます。")
        return _(
            "予算要求を登録しました（%(year)s・要求額 %(amount)s）。",
            year=fiscal_year_label(record.fiscal_year),
            amount=yen(record.requested_yen),
        )

    return page_form(
        request,
        back=_back(proposal),
        run=lambda: budget_service.put_budget(
            session, proposal_id=id_of(proposal), user=user,
            body=validate_body(BudgetIn, body), expected_version=form_version(form),
        ),
        invalid=lambda exc: _form_again(
            request, session, proposal, user, settings, form="request", values=values, exc=exc
        ),
        done=done,
    )  # fmt: skip


@router.post("/proposals/{proposal_id}/budget/approve")
async def approve_budget(
    proposal: ProposalDep,
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
) -> Response:
    """Approve an amount above zero (finance): the proposal becomes budgeted."""
    form = await request.form()
    values = form_values(form, fields=("approved_yen",), optional=("approved_yen",))

    def done(approved: Proposal) -> str:
        record = budget_service.current_record(session, proposal_id=id_of(approved))
        amount = yen(record.approved_yen if record else None)
        return _("予算を措置しました（措置額 %(amount)s）。", amount=amount)

    return page_form(
        request,
        back=_back(proposal),
        run=lambda: lifecycle.perform(
            session, proposal=proposal, user=user, action=Action.approve_budget, body=values,
            expected_version=form_version(form),
        ),
        invalid=lambda exc: _form_again(
            request, session, proposal, user, settings, form="approve", values=values, exc=exc
        ),
        done=done,
    )  # fmt: skip


@router.post("/proposals/{proposal_id}/budget/deny")
async def deny_budget(
    proposal: ProposalDep,
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
) -> Response:
    """Record that the request was not funded (見送り), with a reason (finance)."""
    budget_service.check_finance(proposal, user)  # 403 before the form's 422, as the API's gate
    form = await request.form()
    values = form_values(form, fields=("reason",))
    return page_form(
        request,
        back=_back(proposal),
        run=lambda: budget_service.deny(
            session, proposal_id=id_of(proposal), user=user, body=validate_body(DenyIn, values)
        ),
        invalid=lambda exc: _form_again(
            request, session, proposal, user, settings, form="deny", values=values, exc=exc
        ),
        done=lambda _record: _("予算要求を見送りとしました。後の年度で要求し直すことができます。"),
    )
