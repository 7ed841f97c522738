"""THE proposal state machine: every status and action of DESIGN.md and API.md, who may
take each, its guard and whether it needs a reason — and the only writer of `status`.

Services register the work an action does beyond the status change (numbering at accept,
the department snapshot at submit, …) with `@performs(action)`; an action with no
registered performer is in the table but not offered yet.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from app.errors import Forbidden, Invalid, InvalidTransition
from app.i18n import N_
from app.models import Proposal, User
from app.models.enums import Role, Status
from app.models.types import utcnow
from app.services import webhooks
from app.services.concurrency import check_version
from app.services.events import record_event
from app.validation import validate_body


class Action(StrEnum):
    submit = "submit"
    return_ = "return"
    not_accept = "not-accept"
    accept = "accept"
    withdraw = "withdraw"
    decide = "decide"
    reopen_review = "reopen-review"
    approve_budget = "approve-budget"
    start = "start"
    complete = "complete"


class Reason(StrEnum):
    required = "required"
    optional = "optional"
    none = "none"


Who = Callable[[Proposal, User], bool]
Guard = Callable[[Proposal], bool]


def _author(proposal: Proposal, user: User) -> bool:
    return user.id == proposal.author_id


def _author_or_co_author(proposal: Proposal, user: User) -> bool:
    return proposal.is_author(user.id)


def _secretariat(_proposal: Proposal, user: User) -> bool:
    return user.has_role(Role.secretariat)


def _finance(_proposal: Proposal, user: User) -> bool:
    return user.has_role(Role.finance)


def implementer_or_secretariat(proposal: Proposal, user: User) -> bool:
    department = getattr(proposal, "implementing_department_id", None)
    in_department = department is not None and user.department_id == department
    return in_department or user.has_role(Role.secretariat)


def _always(_proposal: Proposal) -> bool:
    return True


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    # None when the outcome picks the target (decide: adopted, deferred or rejected).
    target: Status | None
    who: Who
    reason: Reason = Reason.none
    guard: Guard = _always
    guard_message: str = ""
    targets: frozenset[Status] = field(default_factory=frozenset)

    def possible_targets(self) -> frozenset[Status]:
        return frozenset({self.target}) if self.target else self.targets


def _s(*statuses: Status) -> frozenset[Status]:
    return frozenset(statuses)


TRANSITIONS: dict[Action, Transition] = {
    # draft, returned -> submitted
    Action.submit: Transition(
        Action.submit, _s(Status.draft, Status.returned), Status.submitted, _author_or_co_author
    ),
    # submitted -> returned
    Action.return_: Transition(
        Action.return_, _s(Status.submitted), Status.returned, _secretariat, Reason.required
    ),
    # submitted -> not_accepted
    Action.not_accept: Transition(
        Action.not_accept, _s(Status.submitted), Status.not_accepted, _secretariat, Reason.required
    ),
    # submitted -> in_review (numbered)
    Action.accept: Transition(Action.accept, _s(Status.submitted), Status.in_review, _secretariat),
    # draft, submitted, returned, in_review -> withdrawn
    Action.withdraw: Transition(
        Action.withdraw,
        _s(Status.draft, Status.submitted, Status.returned, Status.in_review),
        Status.withdrawn,
        _author,
        Reason.optional,
    ),
    # in_review -> adopted | deferred | rejected
    Action.decide: Transition(
        Action.decide,
        _s(Status.in_review),
        None,
        _secretariat,
        Reason.required,
        targets=_s(Status.adopted, Status.deferred, Status.rejected),
    ),
    # deferred -> in_review
    Action.reopen_review: Transition(
        Action.reopen_review, _s(Status.deferred), Status.in_review, _secretariat
    ),
    # adopted -> budgeted
    Action.approve_budget: Transition(
        Action.approve_budget, _s(Status.adopted), Status.budgeted, _finance
    ),
    # adopted (budget not required), budgeted -> in_progress
    Action.start: Transition(
        Action.start,
        _s(Status.adopted, Status.budgeted),
        Status.in_progress,
        implementer_or_secretariat,
    ),
    # in_progress -> completed; adopted -> completed when already implemented
    Action.complete: Transition(
        Action.complete,
        _s(Status.in_progress, Status.adopted),
        Status.completed,
        implementer_or_secretariat,
    ),
}

# Guards beyond the source status, with the message a 409 gives. Later issues add theirs.
GUARDS: dict[Action, list[tuple[Guard, str]]] = {action: [] for action in Action}

Performer = Callable[..., dict[str, Any] | None]
_PERFORMERS: dict[Action, Performer] = {}
_BODIES: dict[Action, type[BaseModel]] = {}


def performs(action: Action, body: type[BaseModel]) -> Callable[[Performer], Performer]:
    """Registers the service function that carries out an action's own work, and the
    schema of the request body it takes."""

    def register(function: Performer) -> Performer:
        _PERFORMERS[action] = function
        _BODIES[action] = body
        return function

    return register


def body_model(action: Action) -> type[BaseModel]:
    return _BODIES[action]


def add_guard(action: Action, guard: Guard, message: str) -> None:
    GUARDS[action].append((guard, message))


def is_available(action: Action) -> bool:
    return action in _PERFORMERS


def _blocked_by(action: Action, proposal: Proposal) -> str | None:
    transition = TRANSITIONS[action]
    if Status(proposal.status) not in transition.sources:
        return ""
    for guard, message in GUARDS[action]:
        if not guard(proposal):
            return message
    return None


def allowed_actions(proposal: Proposal, user: User) -> list[str]:
    """The actions this user may take on this proposal now, in table order."""
    return [
        action.value
        for action, transition in TRANSITIONS.items()
        if action in _PERFORMERS
        and transition.who(proposal, user)
        and _blocked_by(action, proposal) is None
    ]


NOT_ALLOWED = N_("この操作を行う権限がありません。")
REASON_REQUIRED = N_("理由を入力してください。")
WRONG_STATUS = N_("現在の状態（%(status)s）ではこの操作はできません。可能な操作: %(allowed)s")
CHANGED_MEANWHILE = N_("この提案は他の操作で更新されました。画面を更新してからやり直してください。")


def check_can_attempt(proposal: Proposal, user: User, action: Action) -> Transition:
    """403 when the user can never take this action on this proposal."""
    transition = TRANSITIONS[action]
    if action not in _PERFORMERS or not transition.who(proposal, user):
        raise Forbidden(NOT_ALLOWED)
    return transition


def clean_reason(transition: Transition, reason: str | None) -> str | None:
    """422 when a required reason is missing or blank."""
    text = reason if reason is not None and reason.strip() else None
    if transition.reason == Reason.required and text is None:
        raise Invalid.field("reason", REASON_REQUIRED)
    return text if transition.reason != Reason.none else None


def check_status(proposal: Proposal, user: User, action: Action) -> None:
    """409 naming the current status and what is allowed when the table forbids it."""
    blocked = _blocked_by(action, proposal)
    if blocked is None:
        return
    if blocked:
        raise InvalidTransition(blocked, status=proposal.status)
    raise InvalidTransition(
        WRONG_STATUS,
        status=proposal.status,
        allowed=", ".join(allowed_actions(proposal, user)) or "-",
    )


def perform(
    session: Session,
    *,
    proposal: Proposal,
    user: User,
    action: Action,
    body: Any = None,
    expected_version: int | None = None,
    commit: bool = True,
) -> Proposal:
    """Carries out an action in the order of API.md: who (403), the body and reason (422,
    including the performer's own `validate` step), status and guards (409), version
    (412); then the performer's work, the status change and one event, in one commit.
    A performer may pick the target status by returning it under "_target".
    `commit=False` leaves the commit to a caller whose user action does more than this
    one step, so that the whole action lands or none of it does."""
    transition = check_can_attempt(proposal, user, action)
    data = validate_body(_BODIES[action], body)
    reason = clean_reason(transition, getattr(data, "reason", None))
    performer = _PERFORMERS[action]
    validate = getattr(performer, "validate", None)
    if validate is not None:
        validate(session, proposal=proposal, user=user, body=data)
    lock(session, proposal)  # from here on the checks see what is really there now
    check_can_attempt(proposal, user, action)
    check_status(proposal, user, action)
    check_version(proposal.version, expected_version)

    from_status = proposal.status
    changes = performer(session, proposal=proposal, user=user, body=data) or {}
    to_status = changes.pop("_target", None) or transition.target
    if to_status not in transition.possible_targets():
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
    if not commit:
        session.flush()
        return proposal
    session.commit()
    session.refresh(proposal)
    return proposal


def lock(session: Session, proposal: Proposal) -> None:
    """Takes the proposal's row for this transaction, waiting for anyone else writing it,
    and reads it afresh: the status (409) and version (412) checks that follow see what is
    really there, and two writers are answered one after the other. Without `If-Match`
    a change that only moved the version on (a review, an attachment) no longer makes the
    next writer fail; with a stale `If-Match` the answer is always 412.

    PostgreSQL: SELECT … FOR UPDATE. SQLite: a write that changes nothing, which takes the
    database's write lock (the driver begins the transaction there; reads before it are
    outside any transaction, so nothing stale is kept)."""
    if session.get_bind().dialect.name == "postgresql":
        # One query: the locked row's values overwrite the loaded proposal's.
        session.execute(
            select(Proposal)
            .where(Proposal.id == proposal.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
        return
    session.execute(
        update(Proposal).where(Proposal.id == proposal.id).values(version=Proposal.version)
    )
    session.refresh(proposal)


def claim(
    session: Session,
    proposal: Proposal,
    *,
    status: Status | None = None,
    from_status: str | None = None,
) -> None:
    """Moves the version on (and the status, for transitions) only if nobody else changed
    the proposal since it was read: the UPDATE's WHERE is the lock on both databases."""
    now = utcnow()
    values: dict[str, Any] = {"version": proposal.version + 1, "updated_at": now}
    if status is not None:
        values["status"] = status.value
    result = session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id)
        .where(Proposal.version == proposal.version)
        .where(Proposal.status == (from_status or proposal.status))
        .values(**values)
    )
    if result.rowcount != 1:
        session.rollback()
        raise InvalidTransition(CHANGED_MEANWHILE)
    for name, value in values.items():
        set_committed_value(proposal, name, value)
