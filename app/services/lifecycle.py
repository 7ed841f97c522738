"""Carrying out a lifecycle action: the only writer of `status`.

Whether an action may be taken — its source statuses, who, its reason and guards — is in
the rulebook (`app/rules/`, docs/rules.md). What each action does beyond the status change
(numbering at accept, the department snapshot at submit, …) is a service function, listed
in `performers()` below with the request body it takes.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from app import rules
from app.errors import Invalid
from app.models import Proposal, User
from app.models.enums import Status
from app.rules import Action, Reason, Transition
from app.services import notices, webhooks
from app.services.concurrency import check_version, claim, lock
from app.services.events import record_event
from app.validation import validate_body

Work = Callable[..., dict[str, Any] | None]
Validate = Callable[..., None]


@dataclass(frozen=True)
class Performer:
    """An action's own work, the body it takes, and the checks of that body that need
    the database (422 before the 409/412 checks)."""

    work: Work
    body: type[BaseModel]
    validate: Validate | None = None


@cache
def performers() -> dict[Action, Performer]:
    """Every action's work, in the rulebook's order. (Imported here, when first asked:
    the services that do the work also call `perform`.)"""
    from app.models.budget import ApproveIn
    from app.models.execution import CompleteBody, StartBody
    from app.models.proposal import DecideBody, EmptyBody, ReasonBody, RequiredReasonBody
    from app.services import budget, decisions, execution, proposals

    return {
        Action.submit: Performer(proposals.submit, EmptyBody, proposals.validate_submit),
        Action.return_: Performer(proposals.return_for_revision, RequiredReasonBody),
        Action.not_accept: Performer(proposals.not_accept, RequiredReasonBody),
        Action.accept: Performer(proposals.accept, EmptyBody),
        Action.withdraw: Performer(proposals.withdraw, ReasonBody),
        Action.decide: Performer(decisions.decide, DecideBody, decisions.validate_decision),
        Action.reopen_review: Performer(decisions.reopen_review, EmptyBody),
        Action.approve_budget: Performer(budget.approve, ApproveIn, budget.validate_approval),
        Action.start: Performer(execution.start, StartBody, execution.validate_start),
        Action.complete: Performer(execution.complete, CompleteBody, execution.validate_completion),
    }


def body_model(action: Action) -> type[BaseModel]:
    return performers()[action].body


def clean_reason(transition: Transition, reason: str | None) -> str | None:
    """422 when a required reason is missing or blank."""
    text = reason if reason is not None and reason.strip() else None
    if transition.reason == Reason.required and text is None:
        raise Invalid.field("reason", rules.REASON_REQUIRED)
    return text if transition.reason != Reason.none else None


def _checked_body(
    session: Session,
    proposal: Proposal,
    user: User,
    action: Action,
    body: BaseModel | Mapping[str, Any] | None,
) -> tuple[BaseModel, str | None]:
    """The checks before the lock, in docs/rules.md's order: who (403), then the body, the
    reason, the performer's own validation and the rulebook's confirmations (422). Returns
    the validated body and the cleaned reason."""
    transition = rules.check_can_attempt(action, proposal, user)
    performer = performers()[action]
    data = validate_body(performer.body, body)
    reason = clean_reason(transition, getattr(data, "reason", None))
    if performer.validate is not None:
        performer.validate(session, proposal=proposal, user=user, body=data)
    rules.check_confirmed(action, proposal, data)
    return data, reason


def preflight(
    session: Session,
    *,
    proposal: Proposal,
    user: User,
    action: Action,
    body: BaseModel | Mapping[str, Any] | None = None,
    expected_version: int | None = None,
) -> BaseModel:
    """The checks `perform` makes before any work, in the same order, writing nothing: what
    a confirmation step runs so that it only asks about an action that would be taken now.
    Returns the validated body (for showing what was typed)."""
    data, _reason = _checked_body(session, proposal, user, action, body)
    rules.check_status(action, proposal, user, rules.Facts(policy=rules.policy_of(session)))
    check_version(proposal.version, expected_version)
    return data


def perform(
    session: Session,
    *,
    proposal: Proposal,
    user: User,
    action: Action,
    body: BaseModel | Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    commit: bool = True,
) -> Proposal:
    """Carries out an action in the order docs/rules.md gives: who (403),
    the body and reason (422, including the performer's own `validate` step and the
    confirmations the rulebook asks for in the proposal's state), status and
    guards (409), version (412); then the performer's work, the status change and one
    event, in one commit. A performer may pick the target status by returning it under
    "_target". `commit=False` leaves the commit to a caller whose user action does more
    than this one step, so that the whole action lands or none of it does.
    `body` is the API's model or a page's form values, validated here into the performer's
    model after the 403 check (so a page's form answers 403 before 422, as the API does)."""
    data, reason = _checked_body(session, proposal, user, action, body)
    lock(session, proposal)  # from here on the checks see what is really there now
    facts = rules.Facts(policy=rules.policy_of(session))
    transition = rules.check_can_attempt(action, proposal, user)
    rules.check_status(action, proposal, user, facts)
    check_version(proposal.version, expected_version)
    rules.check_confirmed(action, proposal, data)  # again: the state may have moved on

    from_status = proposal.status
    changes = performers()[action].work(session, proposal=proposal, user=user, body=data) or {}
    to_status = changes.pop("_target", None)
    if to_status is None and len(transition.targets) == 1:
        (to_status,) = transition.targets
    if to_status not in transition.targets:
        raise RuntimeError(f"{action} cannot lead to {to_status}")
    claim(session, proposal, status=Status(to_status), from_status=from_status)
    record_event(
        session,
        proposal=proposal,
        actor=user,
        action=action.value,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        changes=changes,
    )
    # The outbox rows commit with the change they report (docs/webhooks.md).
    webhooks.enqueue_status_changed(
        session, proposal=proposal, action=action, from_status=from_status, to_status=to_status
    )
    notices.announce(session, event=action.value, proposal=proposal, actor=user, reason=reason)
    if not commit:
        session.flush()
        return proposal
    session.commit()
    session.refresh(proposal)
    return proposal
