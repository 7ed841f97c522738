"""The Jinja2 environment: gettext, 和暦 filters and the globals every page uses."""

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, cast

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request

from app import rules
from app.i18n import N_, current_locale, translations
from app.models.enums import (
    BUDGET_STATUS_LABELS,
    BUDGET_TYPE_LABELS,
    CATEGORY_LABELS,
    EMPLOYMENT_TYPE_LABELS,
    FUNDING_SOURCE_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    ROLE_LABELS,
    ROUND_KIND_LABELS,
    STATUS_LABELS,
    BudgetStatus,
    BudgetType,
    Category,
    EmploymentType,
    FundingSource,
    Kind,
    Outcome,
    Role,
    RoundKind,
    Status,
)
from app.rules import ReviewPolicy
from app.security import CSRF_FORM_FIELD, csrf_token_for
from app.services.snippets import mark_words
from app.wareki import fiscal_year_label, local_datetime, wareki_date

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
STATIC_VERSION = "2"
FLASH_KEY = "flashes"


def _gettext(message: str) -> str:
    return translations(current_locale()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).ngettext(singular, plural, n)


def yen(value: int | None) -> str:
    """1,200円; '—' when there is no amount."""
    return "—" if value is None else f"{value:,}円"


def role_label(role: str) -> str:
    try:
        return _gettext(ROLE_LABELS[Role(role)])
    except ValueError:
        return role


def employment_type_label(value: str) -> str:
    try:
        return _gettext(EMPLOYMENT_TYPE_LABELS[EmploymentType(value)])
    except ValueError:
        return value


def _labeller(labels: dict, enum: type) -> Callable[[str], str]:
    def label(value: str) -> str:
        try:
            return _gettext(labels[enum(value)])
        except ValueError:
            return value

    return label


def _dict_labeller(labels: dict[str, str]) -> Callable[[str], str]:
    return lambda value: _gettext(labels[value]) if value in labels else value


def csrf_field(request: Request) -> Markup:
    """Every form's hidden CSRF input: `{{ csrf_field(request) }}` (app/middleware.py)."""
    token = escape(csrf_token_for(request.session))
    return Markup(f'<input type="hidden" name="{CSRF_FORM_FIELD}" value="{token}">')


@pass_context
def award_label(context, code: str | None) -> str:
    """The award's name as the app's settings configure it (最優秀賞 …); '—' for none."""
    if not code:
        return "—"
    request = context.get("request")
    policy = request.app.state.policy if request is not None else ReviewPolicy()
    return data_text(policy.awards.get(code, code))


def data_text(text: str | None) -> str:
    """Stored or configured wording in the reader's language when it is the app's own
    default (the default rubric, the default award names: in the catalogue); wording a town
    wrote itself is shown as written."""
    return _gettext(text) if text else (text or "")


POINTS = N_("%(points)s点")
HOURS_UNIT = N_("時間")  # after a number of hours: 120時間 / 120 h


def points(value: float | None) -> str:
    """A score to one decimal (72.5点); '—' before any review is in."""
    return "—" if value is None else _gettext(POINTS) % {"points": f"{value:.1f}"}


def hours(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f}".rstrip("0").rstrip(".") + _gettext(HOURS_UNIT)


def flash(request: Request, message: str, level: str = "success") -> None:
    """Queue a message (already translated) for the next full page."""
    # Reassign rather than append in place: the session only notices assignments.
    flashes = [*request.session.get(FLASH_KEY, []), {"level": level, "message": message}]
    request.session[FLASH_KEY] = flashes


def pop_flashes(request: Request) -> list[dict[str, str]]:
    return request.session.pop(FLASH_KEY, None) or []


def static_url(path: str) -> str:
    return f"/static/{path}?v={STATIC_VERSION}"


env = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=env)


class _GettextEnvironment(Protocol):
    """What the jinja2.ext.i18n extension adds to the environment when it is loaded."""

    def install_gettext_callables(
        self,
        gettext: Callable[..., str],
        ngettext: Callable[..., str],
        newstyle: bool | None = None,
    ) -> None: ...


cast(_GettextEnvironment, env).install_gettext_callables(
    gettext=_gettext, ngettext=_ngettext, newstyle=True
)


def marked(pieces) -> Markup:
    """Segments (app/services/snippets.py) as escaped HTML, matched pieces in <mark>."""
    return Markup("").join(
        Markup("<mark>{}</mark>").format(p.text) if p.marked else escape(p.text) for p in pieces
    )


def notification_title(notification) -> str:
    from app.services.notifications import title_of

    return title_of(notification)


env.filters.update(
    data=data_text,
    notification_title=notification_title,
    marked=marked,
    # `{{ hint.proposal.title|mark_words(hint.terms)|marked }}`: a title with the words it
    # shares with the text being written marked.
    mark_words=lambda text, terms: mark_words(text, set(terms)),
    wareki_date=wareki_date,
    wareki_datetime=local_datetime,
    fiscal_year_label=fiscal_year_label,
    yen=yen,
    role_label=role_label,
    employment_type_label=employment_type_label,
    status_label=_labeller(STATUS_LABELS, Status),
    kind_label=_labeller(KIND_LABELS, Kind),
    category_label=_labeller(CATEGORY_LABELS, Category),
    round_kind_label=_labeller(ROUND_KIND_LABELS, RoundKind),
    outcome_label=_labeller(OUTCOME_LABELS, Outcome),
    budget_type_label=_labeller(BUDGET_TYPE_LABELS, BudgetType),
    funding_source_label=_labeller(FUNDING_SOURCE_LABELS, FundingSource),
    budget_status_label=_labeller(BUDGET_STATUS_LABELS, BudgetStatus),
    award_label=award_label,
    points=points,
    hours=hours,
)
# `{% if p.status is in_group("COMPLETED") %}`: the rulebook's status groups (app/rules/).
env.tests["in_group"] = lambda status, group: rules.is_in(status, getattr(rules, group))
env.globals.update(
    csrf_token=lambda request: csrf_token_for(request.session),
    csrf_field=csrf_field,
    # A fresh one-time key for a form that creates something (app/idempotency.py).
    new_form_key=lambda: secrets.token_urlsafe(16),
    pop_flashes=pop_flashes,
    static_url=static_url,
    current_locale=current_locale,
    ROLES=list(Role),
    EMPLOYMENT_TYPES=list(EmploymentType),
    STATUSES=list(Status),
    KINDS=list(Kind),
    CATEGORIES=list(Category),
    BUDGET_TYPES=list(BudgetType),
    FUNDING_SOURCES=list(FundingSource),
)
