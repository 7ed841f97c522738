"""The secretariat's forms on the proposal page: setting the reviewers and recording the
decision (採用 / 一部採用 / 保留 / 不採用) through the lifecycle."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.deps import PageUser, SessionDep, SettingsDep
from app.errors import Invalid
from app.htmx import render
from app.i18n import gettext as _
from app.models import User
from app.models.review import ReviewersIn
from app.models.types import id_of
from app.presenters.confirm_view import confirmation, decision_facts
from app.presenters.proposal_view import detail_page_context
from app.presenters.review_view import decision_choices
from app.routers.pages.forms import (
    REFUSALS,
    ProposalDep,
    form_values,
    form_version,
    invalid_errors,
    page_form,
    refused,
)
from app.rules import Action
from app.services import lifecycle
from app.services import reviewers as reviewers_service
from app.services.decisions import outcome_label
from app.validation import translate_error, validate_body

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


DETAIL = "pages/proposals/detail.html"
CONFIRM = "pages/proposals/confirm.html"


def _detail(session, proposal, user: User, settings, **extra: Any) -> dict:
    context = detail_page_context(session, proposal, user, settings)
    context.update(extra)
    return context


@router.post("/proposals/{proposal_id}/reviewers")
async def set_reviewers(
    proposal: ProposalDep,
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
) -> Response:
    """Set the proposal's reviewers; conflicts of interest come back inline (422)."""
    reviewers_service.check_assigner(proposal, user)  # 403 before the form's 422
    form = await request.form()
    chosen = [int(v) for v in form.getlist("reviewer_ids") if isinstance(v, str) and v.isdigit()]

    def form_again(exc: Invalid) -> Response:
        errors = [translate_error(e)["msg"] for e in exc.errors or []]
        context = _detail(
            session, proposal, user, settings,
            reviewer_errors=errors or [_(exc.detail, **exc.params)],
            chosen_reviewer_ids=set(chosen),
        )  # fmt: skip
        return render(request, DETAIL, context, block="review_panel", status_code=422)

    return page_form(
        request,
        back=f"/proposals/{proposal.id}",
        run=lambda: reviewers_service.assign_reviewers(
            session, proposal_id=id_of(proposal), user=user,
            body=validate_body(ReviewersIn, {"reviewer_ids": chosen}),
            expected_version=form_version(form),
        ),
        invalid=form_again,
        done=lambda _p: _("審査委員を設定しました。"),
    )  # fmt: skip


@router.post("/proposals/{proposal_id}/decide")
async def decide(
    proposal: ProposalDep,
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
) -> Response:
    """Record the decision with its reason, award, implementing department and targets:
    the first post shows what will be decided (the confirmation), the confirmed one
    decides; "戻って修正する" shows the form again with what was typed."""
    form = await request.form()
    values = form_values(form, fields=DECISION_FIELDS, optional=DECISION_OPTIONAL)
    body = {k: v for k, v in values.items() if not (k == "outcome" and not v)}

    def form_again(exc: Invalid) -> Response:
        context = _detail(
            session, proposal, user, settings,
            decision_values=values, decision_errors=invalid_errors(exc),
        )  # fmt: skip
        return render(request, DETAIL, context, block="decision_form", status_code=422)

    back = f"/proposals/{proposal.id}"
    if form.get("edit"):  # back from the confirmation to the form, with what was typed
        context = _detail(session, proposal, user, settings, decision_values=values)
        return render(request, DETAIL, context, block="decision_form")
    if form.get("confirmed") != "1":
        try:
            data = lifecycle.preflight(
                session, proposal=proposal, user=user, action=Action.decide, body=body,
                expected_version=form_version(form),
            )  # fmt: skip
        except Invalid as exc:
            return form_again(exc)
        except REFUSALS as exc:
            return refused(request, back, exc)
        hidden = [(name, str(form.get(name) or "")) for name in ("version", *DECISION_FIELDS)]
        confirm = confirmation(
            Action.decide, url=f"{back}/decide", hidden=hidden, edit=True, data=data,
            facts=decision_facts(session, data, decision_choices(session)["awards"]),
        )  # fmt: skip
        context = {"proposal": proposal, "confirm": confirm}
        return render(request, CONFIRM, context, block="confirm")
    return page_form(
        request,
        back=back,
        run=lambda: lifecycle.perform(
            session, proposal=proposal, user=user, action=Action.decide, body=body,
            expected_version=form_version(form),
        ),
        invalid=form_again,
        done=lambda decided: _(
            "審査結果を「%(outcome)s」と決定しました。", outcome=_(outcome_label(decided.outcome))
        ),
    )  # fmt: skip
