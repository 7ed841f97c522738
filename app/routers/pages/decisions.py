"""The secretariat's forms on the proposal page: setting the reviewers and recording the
decision (採用 / 一部採用 / 保留 / 不採用) through the lifecycle."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.deps import PageUser, SessionDep, SettingsDep
from app.errors import Invalid, InvalidTransition, PreconditionFailed
from app.htmx import redirect, render
from app.i18n import gettext as _
from app.models import User
from app.models.types import Id
from app.routers.pages.forms import form_values, form_version, invalid_errors
from app.services import lifecycle
from app.services import reviewers as reviewers_service
from app.services.decisions import outcome_label
from app.services.lifecycle import Action
from app.services.proposal_view import detail_page_context
from app.services.proposals import get_proposal
from app.templating import flash
from app.validation import translate_error

router = APIRouter()

DECISION_FIELDS = (
    "outcome",
    "reason",
    "award",
    "implementing_department_id",
    "target_hours_saved_per_year_hours",
    "target_savings_yen_per_year",
)
DECISION_OPTIONAL = (
    "award",
    "implementing_department_id",
    "target_hours_saved_per_year_hours",
    "target_savings_yen_per_year",
)


def _detail(request: Request, session, proposal, user: User, settings, **extra: Any) -> dict:
    context = detail_page_context(session, proposal, user, settings)
    context.update(extra)
    return context


@router.post("/proposals/{proposal_id}/reviewers")
async def set_reviewers(
    proposal_id: Id, request: Request, session: SessionDep, user: PageUser, settings: SettingsDep
) -> Response:
    """Set the proposal's reviewers; conflicts of interest come back inline (422)."""
    proposal = get_proposal(session, proposal_id=proposal_id, user=user)
    form = await request.form()
    chosen = [v for v in form.getlist("reviewer_ids") if isinstance(v, str) and v.isdigit()]
    try:
        reviewers_service.assign_reviewers(
            session,
            proposal_id=proposal.id,
            user=user,
            body={"reviewer_ids": [int(v) for v in chosen]},
            expected_version=form_version(form),
        )
    except Invalid as exc:
        errors = [translate_error(e)["msg"] for e in exc.errors or []] or [
            _(exc.detail, **exc.params)
        ]
        context = _detail(
            request,
            session,
            proposal,
            user,
            settings,
            reviewer_errors=errors,
            chosen_reviewer_ids={int(v) for v in chosen},
        )
        return render(
            request,
            "pages/proposals/detail.html",
            context,
            block="review_panel",
            status_code=422,
        )
    except (InvalidTransition, PreconditionFailed) as exc:
        flash(request, _(exc.detail, **exc.params), level="error")
        return redirect(request, f"/proposals/{proposal.id}")
    flash(request, _("審査委員を設定しました。"))
    return redirect(request, f"/proposals/{proposal.id}")


@router.post("/proposals/{proposal_id}/decide")
async def decide(
    proposal_id: Id, request: Request, session: SessionDep, user: PageUser, settings: SettingsDep
) -> Response:
    """Record the decision with its reason, award, implementing department and targets."""
    proposal = get_proposal(session, proposal_id=proposal_id, user=user)
    form = await request.form()
    values = form_values(form, fields=DECISION_FIELDS, optional=DECISION_OPTIONAL)
    body = {k: v for k, v in values.items() if not (k == "outcome" and not v)}
    try:
        proposal = lifecycle.perform(
            session,
            proposal=proposal,
            user=user,
            action=Action.decide,
            body=body,
            expected_version=form_version(form),
        )
    except Invalid as exc:
        context = _detail(
            request,
            session,
            proposal,
            user,
            settings,
            decision_values=values,
            decision_errors=invalid_errors(exc),
        )
        return render(
            request,
            "pages/proposals/detail.html",
            context,
            block="decision_form",
            status_code=422,
        )
    except (InvalidTransition, PreconditionFailed) as exc:
        flash(request, _(exc.detail, **exc.params), level="error")
        return redirect(request, f"/proposals/{proposal.id}")
    outcome = _(outcome_label(proposal.outcome))
    flash(request, _("審査結果を「%(outcome)s」と決定しました。", outcome=outcome))
    return redirect(request, f"/proposals/{proposal.id}")
