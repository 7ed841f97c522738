"""Reading HTML forms into the same schemas the API uses, with per-field Japanese errors;
the proposal page's load-or-404 dependency and its one way of answering a form post."""

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app.deps import PageUser, SessionDep
from app.errors import DomainError, Invalid, InvalidTransition, PreconditionFailed
from app.htmx import redirect
from app.i18n import N_
from app.i18n import gettext as _
from app.models import Proposal
from app.models.types import REQUIRED, Id
from app.security import CSRF_FORM_FIELD
from app.services.visibility import get_visible_proposal
from app.templating import flash
from app.validation import field_errors, translate_error

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def form_values(
    form: FormData,
    *,
    fields: tuple[str, ...],
    lists: tuple[str, ...] = (),
    checkboxes: tuple[str, ...] = (),
    optional: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The named fields of a form as a dict: lists as lists, checkboxes as booleans, and
    empty optional fields left out (so they take the schema's default or stay unchanged)."""
    data: dict[str, Any] = {}
    for name in fields:
        if name == CSRF_FORM_FIELD:
            continue
        if name in lists:
            data[name] = [v for v in form.getlist(name) if isinstance(v, str) and v]
        elif name in checkboxes:
            data[name] = name in form
        else:
            value = form.get(name)
            value = value if isinstance(value, str) else None
            if name in optional and (value is None or value.strip() == ""):
                data[name] = None
            elif value is not None:
                data[name] = value
    return data


def validate(model: type[M], data: dict[str, Any]) -> tuple[M | None, dict[str, str]]:
    """The model, or None and the errors by field."""
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        return None, field_errors(exc)


def invalid_errors(exc: Invalid) -> dict[str, str]:
    """A service's Invalid error as form errors by field."""
    if not exc.errors:
        return {"__all__": _(exc.detail, **exc.params)}
    result: dict[str, str] = {}
    for error in map(translate_error, exc.errors):
        loc = [part for part in error["loc"] if part != "body"]
        result.setdefault(str(loc[0]) if loc else "__all__", error["msg"])
    return result


MUST_FILL = N_("%(field)sを入力してください。")
ABOUT_FIELD = N_("%(field)s: %(problem)s")


def named_errors(errors: dict[str, str], labels: dict[str, str]) -> dict[str, str]:
    """The same errors, each saying which field it is about (件名を入力してください。,
    概算経費（円）: …), so the summary at the top reads alone; messages that already name
    their field (金額は…, 分野を…) stay as they are."""
    required = {_(REQUIRED), _(N_("この項目は空にできません。"))}
    named: dict[str, str] = {}
    for name, message in errors.items():
        label = labels.get(name)
        if label is None or name == "__all__":
            named[name] = message
        elif message in required:
            named[name] = _(MUST_FILL, field=_(label))
        elif message.startswith(_(label)) or message.startswith(("金額は", "時間は", "分野を")):
            named[name] = message
        else:
            named[name] = _(ABOUT_FIELD, field=_(label), problem=message)
    return named


def form_version(form: FormData) -> int | None:
    """The version the form was rendered at (its hidden `version` field), for If-Match."""
    value = form.get("version")
    return int(value) if isinstance(value, str) and value.isdigit() else None


# -- the proposal page's forms ------------------------------------------------------------------


def visible_proposal(proposal_id: Id, session: SessionDep, user: PageUser) -> Proposal:
    """The proposal, or the 404 page when the signed-in user may not see it (docs/rules.md)."""
    return get_visible_proposal(session, proposal_id=proposal_id, user=user)


ProposalDep = Annotated[Proposal, Depends(visible_proposal)]

# Refusals the page answers with a message at the top (the status or the version no longer
# allows the change); 403 and 404 are the error pages.
REFUSALS: tuple[type[DomainError], ...] = (InvalidTransition, PreconditionFailed)
# The same, and a form that does not validate (for small forms without a page of their own).
INVALID_OR_REFUSED: tuple[type[DomainError], ...] = (Invalid, *REFUSALS)


def refused(request: Request, back: str, exc: DomainError) -> Response:
    """The page it goes back to, with why at the top."""
    message = (
        "; ".join(invalid_errors(exc).values())
        if isinstance(exc, Invalid) and exc.errors
        else _(exc.detail, **exc.params)
    )
    flash(request, message, level="error")
    return redirect(request, back)


def page_form(
    request: Request,
    *,
    back: str,
    run: Callable[[], T],
    done: Callable[[T], str],
    invalid: Callable[[Invalid], Response] | None = None,
    also: tuple[type[DomainError], ...] = (),
) -> Response:
    """One form post: `run()` calls the service. A 422 shows the form again (`invalid`), or
    without one says why at the top; a 409 or 412 (and the `also` refusals) says why at the
    top of `back`; success flashes `done(result)` and goes to `back`. Nothing is written
    when the service refuses."""
    try:
        result = run()
    except Invalid as exc:
        return invalid(exc) if invalid is not None else refused(request, back, exc)
    except (*REFUSALS, *also) as exc:
        return refused(request, back, exc)
    flash(request, done(result))
    return redirect(request, back)
