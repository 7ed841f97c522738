"""Help while writing a proposal, as htmx fragments — similar proposals, the likely DX
取組み, the co-author picker — and 破棄 (deleting a draft). Registered before
pages/proposals.py, whose /proposals/{proposal_id} would otherwise take these paths."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import Session, select

from app.deps import PageUser, SessionDep, SettingsDep
from app.errors import NotFound
from app.htmx import redirect, render
from app.i18n import gettext as _
from app.models import Department, User
from app.models.proposal import TEXT_MAX
from app.models.types import Id, id_of
from app.routers.pages.forms import REFUSALS, ProposalDep, form_version, refused
from app.services import attachments as attachments_service
from app.services import users as users_service
from app.services.drafts import check_discardable, discard_draft
from app.services.pagination import PageParams
from app.services.similar import QUERY_TEXT_MAX, similar_proposals
from app.services.suggest import suggest_initiatives
from app.templating import flash

router = APIRouter()


def department_names(session: Session) -> dict[int | None, str]:
    return {d.id: d.name for d in session.exec(select(Department)).all()}


@router.get("/proposals/similar-hint")
def similar_hint(
    request: Request,
    session: SessionDep,
    user: PageUser,
    title: Annotated[str, Query(max_length=200)] = "",
    summary: Annotated[str, Query(max_length=TEXT_MAX)] = "",
    exclude_id: Annotated[Id | None, Query()] = None,
) -> Response:
    """While the title or summary is typed: proposals that look like it, with the words
    they share marked (an htmx fragment; a long summary is read as far as the API would)."""
    text = summary[:QUERY_TEXT_MAX]
    hints = similar_proposals(session, title=title, text=text, user=user, exclude_id=exclude_id)
    return render(request, "partials/proposals/_similar.html", {"hints": hints})


@router.get("/proposals/{proposal_id}/discard")
def discard_page(
    proposal: ProposalDep, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """破棄's confirmation: what goes with the draft, and the button that deletes it."""
    check_discardable(proposal, user)
    attachments = attachments_service.list_attachments(
        session, proposal_id=id_of(proposal), user=user, page=PageParams(limit=200)
    )[0]
    context = {"proposal": proposal, "attachments": attachments}
    return render(request, "pages/proposals/discard.html", context)


@router.post("/proposals/{proposal_id}/discard")
async def discard_proposal(
    proposal: ProposalDep,
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
) -> Response:
    """Delete the draft, then to 自分の提案 (a refusal goes back to the draft's page)."""
    form = await request.form()
    title = proposal.title
    try:
        discard_draft(
            session, proposal_id=id_of(proposal), user=user, settings=settings,
            expected_version=form_version(form),
        )  # fmt: skip
    except REFUSALS as exc:
        return refused(request, f"/proposals/{proposal.id}", exc)
    flash(request, _("下書き「%(title)s」を破棄しました。", title=title))
    return redirect(request, "/proposals?mine=true")


@router.get("/proposals/co-author-options")
def co_author_options(
    request: Request,
    session: SessionDep,
    user: PageUser,
    q: Annotated[str, Query(max_length=100, alias="co_author_q")] = "",
    # The form's chosen co-authors (its checked boxes), left out of the suggestions.
    chosen: Annotated[list[Id], Query(alias="co_author_ids")] = [],  # noqa: B006
) -> Response:
    """The co-author picker's suggestions while a name or reading is typed (an htmx
    fragment): each with a button that adds it to the chosen ones."""
    found = users_service.find_colleagues(session, q=q, user=user, exclude_ids=chosen)
    context = {"found": found, "q": q, "department_names": department_names(session)}
    return render(request, "partials/proposals/_co_author_options.html", context)


@router.get("/proposals/co-author-chip")
def co_author_chip(request: Request, session: SessionDep, user: PageUser, user_id: Id) -> Response:
    """One chosen co-author: a checked box the form submits (an htmx fragment)."""
    colleague = session.get(User, user_id)
    if colleague is None or not colleague.is_active or colleague.id == user.id:
        raise NotFound(users_service.NOT_FOUND)
    context = {"c": colleague, "department_names": department_names(session)}
    return render(request, "partials/proposals/_co_author_chip.html", context)


@router.get("/proposals/initiative-hint")
def initiative_hint(
    request: Request,
    session: SessionDep,
    user: PageUser,
    title: Annotated[str, Query(max_length=200)] = "",
    summary: Annotated[str, Query(max_length=TEXT_MAX)] = "",
) -> Response:
    """While the title or summary is typed: the DX plan's initiatives the text most likely
    advances, and why (an htmx fragment); the author still chooses."""
    suggestions = suggest_initiatives(session, text=f"{title}\n{summary[:QUERY_TEXT_MAX]}")
    return render(request, "partials/proposals/_initiative_hint.html", {"suggestions": suggestions})
