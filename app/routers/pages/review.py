"""Review pages: the reviewer's queue (審査待ち), the scoring form and recusal."""

import unicodedata
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from app import rules
from app.deps import PageUser, SessionDep, require_roles
from app.errors import Invalid, InvalidTransition
from app.htmx import is_htmx, redirect, render
from app.i18n import gettext as _
from app.models import Proposal, User
from app.models.enums import Role
from app.models.review import RecuseIn, ReviewIn
from app.models.types import Id, id_of
from app.presenters.proposal_view import load_names
from app.routers.pages.forms import invalid_errors
from app.services import review as review_service
from app.services import reviewers as reviewers_service
from app.services import rubric as rubric_service
from app.services.proposals import get_proposal
from app.services.visibility import capabilities_of
from app.templating import flash
from app.validation import translate_error, validate_body

router = APIRouter()
ReviewerPageUser = Annotated[User, Depends(require_roles(Role.reviewer, page=True))]
SCORE_PREFIX = "score-"


@router.get("/reviews")
def review_queue_page(request: Request, session: SessionDep, user: ReviewerPageUser) -> Response:
    """審査待ち: the in-review proposals assigned to me, unscored first, with my total."""
    queue = review_service.reviewer_queue(session, user=user)
    proposals = [p for p, _review in queue]
    blind = review_service.blind_proposal_ids(session, user=user)
    context = {
        "queue": queue,
        "blind": blind,
        "names": load_names(session, proposals, blind=blind),
        "unscored": sum(1 for _p, r in queue if r is None),
    }
    return render(request, "pages/review/queue.html", context)


def _score_context(
    session: Session,
    proposal: Proposal,
    user: User,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    version, criteria = rubric_service.current_rubric(session)
    _proposal, reviews = review_service.list_reviews(
        session, proposal_id=id_of(proposal), user=user
    )
    mine = next((r for r in reviews if r.reviewer_id == user.id), None)
    if values is None:
        values = {
            "scores": {code: str(level) for code, level in (mine.scores if mine else {}).items()},
            "comment": mine.comment if mine else "",
        }
    blind = proposal.id in review_service.blind_proposal_ids(session, user=user)
    return {
        "proposal": proposal,
        "names": load_names(session, [proposal], blind={id_of(proposal)} if blind else ()),
        "blind": blind,
        "rubric_version": version,
        "criteria": criteria,
        "review": mine,
        "review_version": review_service.version_numbers(session).get(mine.rubric_version_id)
        if mine
        else None,
        "can_score": capabilities_of(session, proposal, user).can(rules.Activity.score),
        "values": values,
        "errors": errors or {},
        "recuse_values": {},
        "recuse_errors": {},
        "saved": False,
        **extra,
    }


@router.get("/proposals/{proposal_id}/review")
def review_form_page(
    proposal_id: Id, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """The scoring form: each criterion with its level texts, and a comment."""
    proposal = review_service.assigned_proposal(session, proposal_id=proposal_id, user=user)
    return render(request, "pages/review/form.html", _score_context(session, proposal, user))


def _read_scores(form, codes: list[str]) -> dict[str, Any]:
    """The chosen level per criterion; full-width digits accepted, anything else left for
    the service to refuse."""
    scores: dict[str, Any] = {}
    for code in codes:
        raw = form.get(SCORE_PREFIX + code)
        if not isinstance(raw, str) or not raw.strip():
            continue
        text = unicodedata.normalize("NFKC", raw).strip()
        scores[code] = int(text) if text.isdigit() else text
    return scores


def _review_errors(exc: Invalid) -> dict[str, str]:
    """The service's errors by form field: score-<code> for each criterion."""
    result: dict[str, str] = {}
    for error in map(translate_error, exc.errors or []):
        loc = [str(part) for part in error["loc"] if part != "body"] or ["__all__"]
        scored = len(loc) > 1 and loc[0] == "scores"
        result.setdefault(SCORE_PREFIX + loc[1] if scored else loc[0], error["msg"])
    return result or {"__all__": _(exc.detail, **exc.params)}


@router.post("/proposals/{proposal_id}/review")
async def save_review(
    proposal_id: Id, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """Save my review; errors come back inline (422), the form stays for changes."""
    proposal = review_service.assigned_proposal(session, proposal_id=proposal_id, user=user)
    form = await request.form()
    _version, criteria = rubric_service.current_rubric(session)
    scores = _read_scores(form, [c.code for c in criteria])
    comment = form.get("comment")
    comment = comment if isinstance(comment, str) else ""
    values = {"scores": {k: str(v) for k, v in scores.items()}, "comment": comment}
    try:
        review = review_service.submit_review(
            session,
            proposal_id=id_of(proposal),
            user=user,
            body=validate_body(ReviewIn, {"scores": scores, "comment": comment}),
        )
    except Invalid as exc:
        context = _score_context(session, proposal, user, values=values, errors=_review_errors(exc))
        return render(
            request, "pages/review/form.html", context, block="review_form", status_code=422
        )
    except InvalidTransition as exc:
        session.expire_all()
        proposal = get_proposal(session, proposal_id=proposal_id, user=user)
        errors = {"__all__": _(exc.detail, **exc.params)}
        context = _score_context(session, proposal, user, errors=errors)
        return render(
            request, "pages/review/form.html", context, block="review_form", status_code=409
        )
    message = _("採点を保存しました（合計 %(total)s点）。", total=f"{review.total:.1f}")
    if is_htmx(request):
        context = _score_context(session, proposal, user, saved=message)
        return render(request, "pages/review/form.html", context, block="review_form")
    flash(request, message)
    return redirect(request, f"/proposals/{proposal.id}/review")


@router.post("/proposals/{proposal_id}/recuse")
async def recuse(
    proposal_id: Id, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """Step aside from reviewing this proposal, with a reason."""
    proposal = review_service.assigned_proposal(session, proposal_id=proposal_id, user=user)
    form = await request.form()
    reason = form.get("reason")
    reason = reason if isinstance(reason, str) else ""
    try:
        reviewers_service.recuse(
            session,
            proposal_id=id_of(proposal),
            user=user,
            body=validate_body(RecuseIn, {"reason": reason}),
        )
    except Invalid as exc:
        context = _score_context(
            session,
            proposal,
            user,
            recuse_values={"reason": reason},
            recuse_errors=invalid_errors(exc),
        )
        return render(
            request, "pages/review/form.html", context, block="recuse_form", status_code=422
        )
    except InvalidTransition as exc:
        flash(request, _(exc.detail, **exc.params), level="error")
        return redirect(request, f"/proposals/{proposal.id}/review")
    flash(request, _("この提案の審査を辞退しました。"))
    return redirect(request, "/reviews")
