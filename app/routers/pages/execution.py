"""Execution pages (実施状況): the department's board, and the start, milestone, progress
and completion forms of the proposal page — thin handlers around the same services as
/api/v1. Errors in a form come back inline (422); a change the status or version no longer
allows comes back as a message at the top; 403 is the error page. Nothing is written when
a request fails."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.config import Settings
from app.deps import PageUser, SessionDep, SettingsDep
from app.errors import Invalid
from app.htmx import is_htmx, redirect, render
from app.i18n import gettext as _
from app.models import Proposal, User
from app.models.numbers import normalise_number_text
from app.models.types import Id, id_of
from app.presenters import execution_view
from app.presenters.confirm_view import completion_facts, confirmation
from app.presenters.proposal_view import detail_page_context
from app.routers.pages.forms import (
    INVALID_OR_REFUSED,
    REFUSALS,
    ProposalDep,
    form_values,
    form_version,
    invalid_errors,
    page_form,
    refused,
)
from app.rules import Action
from app.services import execution, lifecycle
from app.templating import flash

router = APIRouter()

START_FIELDS = ("owner_id", "planned_end_date")
MILESTONE_FIELDS = ("title", "due_date", "weight")
PROGRESS_FIELDS = ("percent", "note")
COMPLETE_FIELDS = (
    "report",
    "actual_cost_yen",
    "actual_hours_saved_per_year_hours",
    "actual_savings_yen_per_year",
    "measured_on",
    "close_open_milestones",
)
CHECKBOXES = ("close_open_milestones",)
DETAIL = "pages/proposals/detail.html"


def _filled(
    form: FormData, fields: tuple[str, ...], *, counts: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The fields typed in; blank ones left out so the schema says what is required and
    the optional ones take their defaults. `counts` (a percentage, a weight) are plain
    integers in the schema: full-width digits and a trailing ％ are read here, as the
    Yen and Hours types do for amounts."""
    boxes = tuple(name for name in fields if name in CHECKBOXES)
    values = form_values(form, fields=fields, optional=fields, checkboxes=boxes)
    for name in counts:
        if isinstance(values.get(name), str):
            values[name] = normalise_number_text(values[name].rstrip("%％ 　"))
    return {name: value for name, value in values.items() if value is not None}


def _typed(form: FormData, fields: tuple[str, ...]) -> dict[str, Any]:
    """What was typed, to show again next to the errors."""
    return {name: form.get(name) or "" for name in fields}


def _back(proposal: Proposal) -> str:
    # No #execution-panel: for htmx (HX-Redirect) a URL differing only in its fragment
    # would just scroll the page instead of reloading it; the flash is at the top anyway.
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
    """The proposal page (htmx: only the form) with what was typed and the errors."""
    context = detail_page_context(session, proposal, user, settings)
    panel: execution_view.ExecutionPanel | None = context["execution"]
    if panel is None or not panel.shows_form(form):
        # The form is not on the page (any more): say why at the top instead.
        return refused(request, _back(proposal), exc)
    setattr(panel, f"{form}_values", values)
    setattr(panel, f"{form}_errors", invalid_errors(exc))
    return render(request, DETAIL, context, block=f"execution_{form}_form", status_code=422)


def _done(request: Request, proposal: Proposal, message: str) -> Response:
    flash(request, message)
    return redirect(request, _back(proposal))


@router.get("/execution")
def execution_board_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    department_id: Annotated[Id | None, Query()] = None,
) -> Response:
    """実施状況: the department's proposals being carried out (overdue first) and those
    waiting to start. Staff see their own department; the secretariat chooses any."""
    page = execution_view.board_page(session, user=user, department_id=department_id)
    return render(request, "pages/execution/board.html", {"page": page})


async def _form_post(
    request: Request,
    session: Session,
    user: User,
    settings: Settings,
    proposal: Proposal,
    *,
    form_name: str,
    fields: tuple[str, ...],
    run: Callable[[Proposal, dict[str, Any], int | None], Any],
    done: Callable[[Any], str],
    counts: tuple[str, ...] = (),
) -> Response:
    """One of the panel's forms: `run(proposal, body, version)` does the work through the
    service; a 422 shows the form again with what was typed (forms.page_form)."""
    form = await request.form()
    return page_form(
        request,
        back=_back(proposal),
        run=lambda: run(proposal, _filled(form, fields, counts=counts), form_version(form)),
        invalid=lambda exc: _form_again(
            request, session, proposal, user, settings,
            form=form_name, values=_typed(form, fields), exc=exc,
        ),
        done=done,
    )  # fmt: skip


def _action(session: Session, user: User, action: Action):
    def run(proposal: Proposal, body: dict[str, Any], version: int | None) -> Proposal:
        return lifecycle.perform(
            session, proposal=proposal, user=user, action=action, body=body,
            expected_version=version,
        )  # fmt: skip

    return run


@router.post("/proposals/{proposal_id}/start")
async def start_execution(
    proposal: ProposalDep,
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
) -> Response:
    """Start carrying the proposal out: the owner and the planned end date."""
    return await _form_post(
        request, session, user, settings, proposal,
        form_name="start", fields=START_FIELDS, run=_action(session, user, Action.start),
        done=lambda _p: _("実施を開始しました。マイルストーンを登録して進捗を管理できます。"),
    )  # fmt: skip


@router.post("/proposals/{proposal_id}/complete")
async def complete_execution(
    proposal: ProposalDep,
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
) -> Response:
    """File the completion report with the actual effects: the first post shows the
    report to confirm, the confirmed one files it; "戻って修正する" shows the form again."""
    form = await request.form()
    back = _back(proposal)
    if form.get("edit"):
        context = detail_page_context(session, proposal, user, settings)
        panel: execution_view.ExecutionPanel | None = context["execution"]
        if panel is None or not panel.shows_form("complete"):
            return redirect(request, back)
        panel.complete_values = _typed(form, COMPLETE_FIELDS)
        return render(request, DETAIL, context, block="execution_complete_form")
    if form.get("confirmed") != "1":
        try:
            data = lifecycle.preflight(
                session, proposal=proposal, user=user, action=Action.complete,
                body=_filled(form, COMPLETE_FIELDS), expected_version=form_version(form),
            )  # fmt: skip
        except Invalid as exc:
            return _form_again(
                request, session, proposal, user, settings,
                form="complete", values=_typed(form, COMPLETE_FIELDS), exc=exc,
            )  # fmt: skip
        except REFUSALS as exc:
            return refused(request, back, exc)
        # A checkbox goes on only when ticked: its presence is its answer (forms.form_values).
        hidden = [
            (name, str(form.get(name) or ""))
            for name in ("version", *COMPLETE_FIELDS)
            if name not in CHECKBOXES or name in form
        ]
        confirm = confirmation(
            Action.complete, url=f"{back}/complete", hidden=hidden, edit=True,
            data=data, facts=completion_facts(data),
        )  # fmt: skip
        context = {"proposal": proposal, "confirm": confirm}
        return render(request, "pages/proposals/confirm.html", context, block="confirm")
    return await _form_post(
        request, session, user, settings, proposal,
        form_name="complete", fields=COMPLETE_FIELDS, run=_action(session, user, Action.complete),
        done=lambda _p: _("完了報告を登録しました。提案者にお知らせしました。"),
    )  # fmt: skip


@router.post("/proposals/{proposal_id}/milestones")
async def add_milestone(
    proposal: ProposalDep,
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
) -> Response:
    """Plan a milestone: title, due date and weight."""

    def run(proposal: Proposal, body: dict[str, Any], version: int | None):
        return execution.add_milestone(
            session, proposal_id=id_of(proposal), user=user, body=body, expected_version=version
        )

    return await _form_post(
        request, session, user, settings, proposal,
        form_name="milestone", fields=MILESTONE_FIELDS, counts=("weight",), run=run,
        done=lambda m: _("マイルストーン「%(title)s」を追加しました。", title=m.title),
    )  # fmt: skip


@router.post("/proposals/{proposal_id}/progress")
async def report_progress(
    proposal: ProposalDep,
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
) -> Response:
    """Report progress (0–100 %) with a note."""

    def run(proposal: Proposal, body: dict[str, Any], version: int | None):
        return execution.add_progress(
            session, proposal_id=id_of(proposal), user=user, body=body, expected_version=version
        )

    return await _form_post(
        request, session, user, settings, proposal,
        form_name="progress", fields=PROGRESS_FIELDS, counts=("percent",), run=run,
        done=lambda u: _("進捗（%(percent)s%%）を報告しました。", percent=u.percent),
    )  # fmt: skip


def _panel_again(
    request: Request,
    session: Session,
    proposal: Proposal,
    user: User,
    settings: Settings,
    message: str,
) -> Response:
    """htmx: the panel as it is now, saying what happened; a plain post: back to the page."""
    if not is_htmx(request):
        return _done(request, proposal, message)
    context = detail_page_context(session, proposal, user, settings)
    context["execution"].message = message
    return render(request, DETAIL, context, block="execution_panel")


@router.post("/proposals/{proposal_id}/milestones/{milestone_id}")
async def tick_milestone(
    proposal: ProposalDep,
    milestone_id: Id,
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
) -> Response:
    """Tick (done=true) or untick (done=false) a milestone; htmx swaps the panel."""
    form = await request.form()
    done = form.get("done") == "true"
    try:
        milestone = execution.update_milestone(
            session,
            proposal_id=id_of(proposal),
            milestone_id=milestone_id,
            user=user,
            body={"done": done},
            expected_version=form_version(form),
        )
    except INVALID_OR_REFUSED as exc:
        return refused(request, _back(proposal), exc)
    if done:
        message = _("「%(title)s」を完了にしました。", title=milestone.title)
    else:
        message = _("「%(title)s」を未完了に戻しました。", title=milestone.title)
    return _panel_again(request, session, proposal, user, settings, message)


@router.post("/proposals/{proposal_id}/milestones/{milestone_id}/delete")
async def delete_milestone(
    proposal: ProposalDep,
    milestone_id: Id,
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
) -> Response:
    """Remove a milestone entered by mistake (the timeline keeps what it was)."""
    form = await request.form()
    try:
        execution.delete_milestone(
            session,
            proposal_id=id_of(proposal),
            milestone_id=milestone_id,
            user=user,
            expected_version=form_version(form),
        )
    except REFUSALS as exc:
        return refused(request, _back(proposal), exc)
    message = _("マイルストーンを削除しました。")
    return _panel_again(request, session, proposal, user, settings, message)
