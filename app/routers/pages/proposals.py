"""Proposal pages: list, my proposals, new/edit forms, the detail page with its timeline
and action buttons, actions and the supervisor's opinion."""

from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select
from starlette.datastructures import UploadFile

from app import rules
from app.deps import PageUser, SessionDep, SettingsDep
from app.errors import (
    DomainError,
    Invalid,
    InvalidTransition,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    UnsupportedMediaType,
)
from app.htmx import redirect, render
from app.i18n import N_
from app.i18n import gettext as _
from app.models import Attachment, Initiative, User
from app.models.enums import Kind, Status
from app.models.proposal import ProposalCreate
from app.models.types import Id, id_of
from app.presenters.confirm_view import CONFIRMED_ACTIONS, confirmation
from app.presenters.proposal_view import (
    ACTION_LABELS,
    FIELD_LABELS,
    detail_page_context,
    load_names,
    return_notice,
)
from app.routers.pages.drafting import department_names
from app.routers.pages.forms import (
    INVALID_OR_REFUSED,
    REFUSALS,
    ProposalDep,
    form_values,
    form_version,
    invalid_errors,
    named_errors,
    page_form,
    refused,
    validate,
)
from app.rules import Action
from app.services import attachments as attachments_service
from app.services import lifecycle
from app.services import proposals as proposals_service
from app.services import rounds as rounds_service
from app.services.pagination import PageParams
from app.services.proposals import ProposalFilters
from app.services.review import blind_proposal_ids
from app.services.snippets import search_snippets
from app.services.visibility import NOT_FOUND
from app.templating import env, flash
from app.wareki import JST, fiscal_year_of, today_jst

router = APIRouter()
PAGE_SIZE = 20

env.filters.update(
    action_label=lambda name: _(ACTION_LABELS[name]) if name in ACTION_LABELS else name,
    field_label=lambda name: _(FIELD_LABELS[name]) if name in FIELD_LABELS else name,
)

PROPOSAL_FIELDS = (
    "title",
    "summary",
    "current_situation",
    "proposal_text",
    "expected_effect",
    "kind",
    "category",
    "already_implemented",
    "initiative_id",
    "round_id",
    "co_author_ids",
    "estimated_cost_yen",
    "estimated_hours_saved_per_year_hours",
    "estimated_savings_yen_per_year",
)
OPTIONAL = (
    "initiative_id",
    "round_id",
    "estimated_cost_yen",
    "estimated_hours_saved_per_year_hours",
    "estimated_savings_yen_per_year",
)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _attachments_context(session: Session, proposal, user: User, settings) -> dict[str, Any]:
    """The attachments section on the edit form (attach while writing)."""
    attachments, _total = attachments_service.list_attachments(
        session, proposal_id=id_of(proposal), user=user, page=PageParams(limit=200)
    )
    return {
        "attachments": attachments,
        "upload_limit_mb": settings.upload_max_bytes // (1024 * 1024),
    }


def _back_after_attachment(form, proposal) -> str:
    """Where an attachment's form goes back to: the edit form it was on, or the page."""
    edit = f"/proposals/{proposal.id}/edit"
    return edit if form.get("next") == edit else f"/proposals/{proposal.id}#attachments"


def _form_context(session: Session, user: User, **extra: Any) -> dict[str, Any]:
    """Choices for the proposal form: initiatives, open rounds and possible co-authors."""
    colleagues = session.exec(
        select(User)
        .where(col(User.is_active).is_(True))
        .where(User.id != user.id)
        .order_by(col(User.department_id), col(User.name_kana), col(User.name))
    ).all()
    departments = department_names(session)
    return {
        "initiatives": session.exec(select(Initiative).order_by(col(Initiative.number))).all(),
        "rounds": rounds_service.open_rounds(session),
        "colleagues": colleagues,
        "department_names": departments,
        "errors": {},
        **extra,
    }


def _read_proposal_form(form) -> dict[str, Any]:
    return form_values(
        form,
        fields=PROPOSAL_FIELDS,
        lists=("co_author_ids",),
        checkboxes=("already_implemented",),
        optional=OPTIONAL,
    )


def _status_filter(value: str | None) -> list[Status] | None:
    """The status chosen in the list's filter, when it is one."""
    chosen = Status.__members__.get(value or "")
    return [chosen] if chosen else None


@router.get("/proposals")
def proposals_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    q: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[str | None, Query()] = None,
    initiative: Annotated[str | None, Query()] = None,
    fiscal_year: Annotated[str | None, Query()] = None,
    department_id: Annotated[str | None, Query()] = None,
    kind: Annotated[str | None, Query()] = None,
    round_id: Annotated[str | None, Query()] = None,
    mine: Annotated[bool, Query()] = False,
    sort: Annotated[str | None, Query(max_length=20)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """提案一覧: search and filter the proposals the user may see (a search: best match
    first, or newest first with sort=updated, each with where it matched)."""
    filters = ProposalFilters(
        q=q or None,
        status=_status_filter(status),
        initiative_id=_int(initiative),
        no_initiative=initiative == "none",
        fiscal_year=_int(fiscal_year),
        department_id=_int(department_id),
        kind=Kind(kind) if kind is not None and kind in Kind.__members__ else None,
        round_id=_int(round_id),
        mine=mine,
        sort="updated" if sort == "updated" else None,
    )
    params = PageParams(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    rows, total = proposals_service.list_proposals(session, user=user, filters=filters, page=params)
    snippets = search_snippets(rows, q) if q else {}
    current_fy = fiscal_year_of(today_jst())
    blind = blind_proposal_ids(session, user=user)
    context = {
        "proposals": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "names": load_names(session, rows, blind=blind),
        "blind": blind,
        "rounds": rounds_service.list_rounds(session),
        "fiscal_years": list(range(current_fy, current_fy - 6, -1)),
        "mine": mine,
        "snippets": snippets,
        "filters": {
            "sort": filters.sort or "",
            "q": q or "",
            "status": status or "",
            "initiative": initiative or "",
            "fiscal_year": fiscal_year or "",
            "department_id": department_id or "",
            "kind": kind or "",
            "round_id": round_id or "",
        },
        # The filters for the page links, without the page itself.
        "query_string": urlencode(
            [(key, value) for key, value in request.query_params.multi_items() if key != "page"]
        ),
    }
    return render(request, "pages/proposals/list.html", context, block="results")


@router.get("/proposals/mine")
def my_proposals_page(request: Request) -> Response:
    """自分の提案."""
    return redirect(request, "/proposals?mine=true")


@router.get("/proposals/new")
def new_proposal_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    """新規提案 form."""
    values = {"kind": Kind.improvement.value}  # 分野 is chosen, never assumed
    context = _form_context(session, user, values=values, target=None)
    return render(request, "pages/proposals/form.html", context)


@router.post("/proposals/new")
async def create_proposal(
    request: Request, session: SessionDep, user: PageUser, settings: SettingsDep
) -> Response:
    """Save a new draft from the form, with the files chosen on it."""
    form = await request.form()
    values = _read_proposal_form(form)
    data, errors = validate(ProposalCreate, values)
    if not values.get("category"):
        # 分野 is chosen, never assumed (the API's default その他 is not the page's).
        data, errors = None, {**errors, "category": _(CHOOSE_CATEGORY)}
    if data is not None:
        try:
            proposal = proposals_service.create_proposal(session, data=data, user=user)
        except Invalid as exc:
            errors = invalid_errors(exc)
        else:
            failed = _attach_files(session, proposal, user, settings, form.getlist("files"))
            if failed:
                flash(request, "; ".join(failed), level="error")
                return redirect(request, f"/proposals/{proposal.id}/edit")
            flash(request, _("下書きを保存しました。内容を確かめて「提出する」を押してください。"))
            return redirect(request, f"/proposals/{proposal.id}")
    errors = named_errors(errors, FIELD_LABELS)
    context = _form_context(session, user, values=values, errors=errors, target=None)
    return render(request, "pages/proposals/form.html", context, block="form", status_code=422)


CHOOSE_CATEGORY = N_("分野を選んでください。")
ATTACH_FAILED = N_("下書きは保存しましたが、「%(name)s」は添付できませんでした: %(why)s")


def _attach_files(session: Session, proposal, user: User, settings, uploads) -> list[str]:
    """Attach the files chosen on the new-proposal form; why each refused one was."""
    failed = []
    for upload in uploads:
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue
        try:
            attachments_service.add_attachment(
                session, proposal_id=id_of(proposal), user=user, filename=upload.filename,
                stream=upload.file, settings=settings,
            )  # fmt: skip
        except DomainError as exc:  # too large, of a refused kind, …
            why = _(exc.detail, **exc.params)
            failed.append(_(ATTACH_FAILED, name=upload.filename, why=why))
    return failed


@router.get("/proposals/{proposal_id}")
def proposal_page(
    proposal: ProposalDep,
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
) -> Response:
    """The proposal, its attachments, timeline and the actions open to the user."""
    context = detail_page_context(session, proposal, user, settings)
    return render(request, "pages/proposals/detail.html", context)


@router.get("/proposals/{proposal_id}/edit")
def edit_proposal_page(
    proposal: ProposalDep,
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
) -> Response:
    """Edit form for a draft or returned proposal."""
    values = proposal.model_dump()
    values["co_author_ids"] = [str(i) for i in proposal.co_author_ids]
    context = _form_context(
        session, user, values=values, target=proposal,
        returned=return_notice(session, proposal, user),
        **_attachments_context(session, proposal, user, settings),
    )  # fmt: skip
    if proposal.round_id not in {r.id for r in context["rounds"]}:
        context["rounds"] = [
            *context["rounds"],
            rounds_service.get_round(session, round_id=proposal.round_id),
        ]
    return render(request, "pages/proposals/form.html", context)


@router.post("/proposals/{proposal_id}/edit")
async def update_proposal(
    proposal: ProposalDep, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """Save the edited proposal."""
    proposal_id = id_of(proposal)
    form = await request.form()
    values = _read_proposal_form(form)
    changes = dict(values)
    if user.id != proposal.author_id:
        changes.pop("co_author_ids", None)  # only the main author manages co-authors
    try:
        proposals_service.update_proposal(
            session,
            proposal_id=proposal_id,
            changes=changes,
            user=user,
            expected_version=form_version(form),
        )
    except Invalid as exc:
        errors = invalid_errors(exc)
    except REFUSALS as exc:
        errors = {"__all__": _(exc.detail, **exc.params)}
    else:
        flash(request, _("提案を保存しました。"))
        return redirect(request, f"/proposals/{proposal_id}")
    errors = named_errors(errors, FIELD_LABELS)
    context = _form_context(
        session, user, values=values, errors=errors, target=proposal,
        returned=return_notice(session, proposal, user),
    )  # fmt: skip
    return render(request, "pages/proposals/form.html", context, block="form", status_code=422)


# The form's autosave folds its saves into one timeline entry per this much editing.
AUTOSAVE_MERGE = timedelta(minutes=30)
AUTOSAVE_FAILED = {
    Invalid: N_("自動保存できませんでした: %(why)s"),
    PreconditionFailed: N_(
        "他の人が先にこの提案を更新したため、自動保存を止めました。入力した内容を控えてから、ページを読み込み直してください。"
    ),
    InvalidTransition: N_("この提案はもう編集できないため、自動保存を止めました。"),
}


@router.post("/proposals/{proposal_id}/autosave")
async def autosave_proposal(
    proposal: ProposalDep, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """The edit form saving itself after a few seconds without typing (htmx): the same
    service and version check as 「下書きを保存」; answers the quiet status line
    「保存しました 10:42」 (Japan time) and the form's new version (out of band), or why
    it could not save (the form then stays unsaved, and leaving it still asks)."""
    form = await request.form()
    changes = _read_proposal_form(form)
    if user.id != proposal.author_id:
        changes.pop("co_author_ids", None)
    try:
        saved = proposals_service.update_proposal(
            session,
            proposal_id=id_of(proposal),
            changes=changes,
            user=user,
            expected_version=form_version(form),
            merge_within=AUTOSAVE_MERGE,
        )
    except Invalid as exc:
        why = "; ".join(
            f"{_(FIELD_LABELS.get(name, name))}: {message}"
            for name, message in invalid_errors(exc).items()
        )
        context = {"failed": _(AUTOSAVE_FAILED[Invalid], why=why)}
        return render(request, "partials/proposals/_autosave.html", context, status_code=422)
    except REFUSALS as exc:
        failed = AUTOSAVE_FAILED[
            PreconditionFailed if isinstance(exc, PreconditionFailed) else InvalidTransition
        ]
        stopped = {"failed": _(failed), "stopped": True}
        return render(
            request, "partials/proposals/_autosave.html", stopped, status_code=exc.status_code
        )
    context = {"saved_at": datetime.now(JST).strftime("%H:%M"), "version": str(saved.version)}
    return render(request, "partials/proposals/_autosave.html", context)


ACTION_DONE = {
    Action.submit: N_("提案を提出しました。事務局の受付をお待ちください。"),
    Action.return_: N_("提案を差し戻しました。"),
    Action.not_accept: N_("提案を不受理としました。"),
    Action.accept: N_("提案を受理しました。提案番号: %(number)s"),
    Action.withdraw: N_("提案を取り下げました。"),
    Action.reopen_review: N_("提案を審査中に戻しました。審査委員の採点を続けられます。"),
}


@router.get("/proposals/{proposal_id}/actions/{action}/confirm")
def confirm_action_page(
    proposal: ProposalDep,
    action: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    next: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The confirmation page of 提出 and 受理: what will happen and the key facts, with the
    real form post (htmx: only the form, opened in the page's dialog). Shown only when the
    action would be taken now (the same checks)."""
    chosen = Action(action) if action in {a.value for a in CONFIRMED_ACTIONS} else None
    if chosen is None:
        raise NotFound(NOT_FOUND)
    back = f"/proposals/{proposal.id}"
    try:
        lifecycle.preflight(session, proposal=proposal, user=user, action=chosen, body={})
    except INVALID_OR_REFUSED as exc:
        return refused(request, back, exc)
    hidden = [("version", str(proposal.version))]
    if next == "/intake":
        hidden.append(("next", next))
    blind = proposal.id in blind_proposal_ids(session, user=user)
    names = load_names(session, [proposal], blind={id_of(proposal)} if blind else ())
    facts = [(_("提案番号"), proposal.number or _("番号未付与"))]
    if not blind:
        authors = "、".join(names.user(i) for i in [proposal.author_id, *proposal.co_author_ids])
        facts.append((_("提案者"), authors))
    if proposal.round_id in names.rounds:
        facts.append((_("募集回"), names.rounds[proposal.round_id].title))
    confirm = confirmation(
        chosen,
        url=f"/proposals/{proposal.id}/actions/{chosen.value}",
        hidden=hidden,
        facts=facts,
        cancel=next if next == "/intake" else back,
    )
    context = {"proposal": proposal, "confirm": confirm}
    return render(request, "pages/proposals/confirm.html", context, block="confirm")


@router.post("/proposals/{proposal_id}/actions/{action}")
async def take_action(
    proposal: ProposalDep, action: str, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """Submit, return, not-accept, accept, withdraw or reopen review (the buttons of the
    detail page and the queue)."""
    form = await request.form()
    back = form.get("next") if form.get("next") == "/intake" else f"/proposals/{proposal.id}"
    if action not in {a.value for a in Action}:
        raise NotFound(NOT_FOUND)
    chosen = Action(action)
    body: dict[str, Any] = {}
    if rules.TRANSITIONS[chosen].reason != rules.Reason.none:
        body["reason"] = form.get("reason") or None

    def invalid(exc: Invalid) -> Response:
        message = "; ".join(
            f"{_(FIELD_LABELS.get(e['loc'][-1], str(e['loc'][-1])))}: {_(e['msg'])}"
            for e in exc.errors or []
        )
        flash(request, message or _(exc.detail, **exc.params), level="error")
        return redirect(request, str(back))

    return page_form(
        request,
        back=str(back),
        run=lambda: lifecycle.perform(
            session, proposal=proposal, user=user, action=chosen, body=body,
            expected_version=form_version(form),
        ),
        invalid=invalid,
        done=lambda done: _(
            ACTION_DONE.get(chosen, N_("操作を完了しました。")), number=done.number or "—"
        ),
    )  # fmt: skip


@router.post("/proposals/{proposal_id}/opinion")
async def save_opinion(
    proposal: ProposalDep, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """The supervisor's opinion (所属長意見)."""
    form = await request.form()
    return page_form(
        request,
        back=f"/proposals/{proposal.id}",
        run=lambda: proposals_service.set_supervisor_opinion(
            session, proposal_id=id_of(proposal), user=user,
            body={"opinion": form.get("opinion") or ""}, expected_version=form_version(form),
        ),
        invalid=lambda exc: refused(request, f"/proposals/{proposal.id}", exc),
        done=lambda _p: _("所属長意見を保存しました。"),
    )  # fmt: skip


@router.post("/proposals/{proposal_id}/attachments")
async def upload_attachment(
    proposal: ProposalDep,
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
) -> Response:
    """Attach a file from the detail page."""
    form = await request.form()
    upload = form.get("file")

    def run() -> Attachment:
        if not isinstance(upload, UploadFile):
            raise Invalid.field("file", N_("ファイルを選んでください。"))
        return attachments_service.add_attachment(
            session, proposal_id=id_of(proposal), user=user, filename=upload.filename,
            stream=upload.file, settings=settings, expected_version=form_version(form),
        )  # fmt: skip

    back = _back_after_attachment(form, proposal)
    return page_form(
        request,
        back=back,
        run=run,
        invalid=lambda exc: refused(request, back, exc),
        also=(PayloadTooLarge, UnsupportedMediaType),
        done=lambda attachment: _("「%(name)s」を添付しました。", name=attachment.filename),
    )


@router.post("/proposals/{proposal_id}/attachments/{attachment_id}/delete")
async def delete_attachment(
    proposal: ProposalDep,
    attachment_id: Id,
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
) -> Response:
    """Remove an attachment from the detail page."""
    form = await request.form()
    return page_form(
        request,
        back=_back_after_attachment(form, proposal),
        run=lambda: attachments_service.delete_attachment(
            session, proposal_id=id_of(proposal), attachment_id=attachment_id, user=user,
            settings=settings, expected_version=form_version(form),
        ),
        done=lambda _none: _("添付ファイルを削除しました。"),
    )  # fmt: skip
