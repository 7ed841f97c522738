"""The secretariat's pages: the intake queue (受付待ち), rounds (募集回) and the work 人事異動
left behind (人事異動の確認)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app import rules
from app.deps import SessionDep, require_roles
from app.errors import Invalid
from app.htmx import redirect, render
from app.i18n import gettext as _
from app.models import User
from app.models.enums import Role
from app.models.round import RoundCreate
from app.presenters.proposal_view import action_buttons, load_names
from app.routers.pages.forms import form_values, invalid_errors, validate
from app.services import rounds as rounds_service
from app.services import staff_changes
from app.services.proposals import intake_queue
from app.services.similar import similar_to
from app.templating import flash

router = APIRouter()
SecretariatPageUser = Annotated[User, Depends(require_roles(Role.secretariat, page=True))]


def similar_for_queue(session, proposals, user) -> dict:
    """For each queued proposal, earlier or parallel proposals that look like it (by its
    title and texts), rejected and completed ones too: 「前に出た・前にやった」."""
    return {p.id: similar_to(session, p, user=user, limit=3) for p in proposals}


@router.get("/intake")
def intake_page(request: Request, session: SessionDep, user: SecretariatPageUser) -> Response:
    """受付待ち: submitted proposals, oldest first, with accept / return / not-accept."""
    proposals = intake_queue(session, user=user)
    facts = rules.Facts(policy=rules.policy_of(session))
    context = {
        "proposals": proposals,
        "names": load_names(session, proposals),
        "buttons": {p.id: action_buttons(rules.capabilities(p, user, facts)) for p in proposals},
        "similar": similar_for_queue(session, proposals, user),
    }
    return render(request, "pages/intake/queue.html", context)


@router.get("/staff-changes")
def staff_changes_page(
    request: Request, session: SessionDep, user: SecretariatPageUser
) -> Response:
    """人事異動の確認: reviewers to reassign, and the open work of deactivated people."""
    context = {
        "reassignments": staff_changes.reassignments(session),
        "left": staff_changes.left_work(session),
    }
    return render(request, "pages/intake/staff_changes.html", context)


@router.get("/rounds")
def rounds_page(request: Request, session: SessionDep, user: SecretariatPageUser) -> Response:
    """募集回: the standing rounds and the theme rounds, with a form for a new theme."""
    context = {"rounds": rounds_service.list_rounds(session), "values": {}, "errors": {}}
    return render(request, "pages/intake/rounds.html", context)


@router.post("/rounds/new")
async def create_round(
    request: Request, session: SessionDep, user: SecretariatPageUser
) -> Response:
    """Create a theme round (課題提案)."""
    values = form_values(
        await request.form(), fields=("title", "description", "starts_on", "ends_on")
    )
    data, errors = validate(RoundCreate, values)
    if data is not None:
        try:
            round_ = rounds_service.create_theme_round(session, data=data, user=user)
        except Invalid as exc:
            errors = invalid_errors(exc)
        else:
            flash(request, _("募集回「%(title)s」を作成しました。", title=round_.title))
            return redirect(request, "/rounds")
    context = {"rounds": rounds_service.list_rounds(session), "values": values, "errors": errors}
    return render(request, "pages/intake/rounds.html", context, block="round_form", status_code=422)
