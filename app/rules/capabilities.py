"""6. What one user may do with one proposal now, from the tables; and the checks the
services make, in the order docs/rules.md gives (403, then 409)."""

from dataclasses import dataclass, field
from typing import Any

from app.errors import Forbidden, Invalid, InvalidTransition
from app.i18n import N_
from app.models import Proposal, User
from app.rules.activities import ACTIVITIES, Activity
from app.rules.people import ReviewPolicy, Who, assigned_reviewer
from app.rules.statuses import is_in
from app.rules.transitions import TRANSITIONS, Action, Transition

# == 6. Capabilities =========================================================================

NOT_ALLOWED = N_("この操作を行う権限がありません。")
REASON_REQUIRED = N_("理由を入力してください。")
WRONG_STATUS = N_("現在の状態（%(status)s）ではこの操作はできません。可能な操作: %(allowed)s")


@dataclass(frozen=True)
class Facts:
    """What the rules need beyond the proposal and the user, looked up by the caller."""

    policy: ReviewPolicy = field(default_factory=ReviewPolicy)
    assigned_reviewer: bool = False


def _who(rule_who: Who, proposal: Proposal, user: User, facts: Facts) -> bool:
    if rule_who is assigned_reviewer:
        return facts.assigned_reviewer
    return rule_who(proposal, user)


def blocked_by(action: Action, proposal: Proposal, facts: Facts) -> str | None:
    """None when the status and guards allow the action; else "" for a wrong status or the
    guard's message."""
    transition = TRANSITIONS[action]
    if not is_in(proposal.status, transition.sources):
        return ""
    for guard in transition.guards:
        if not guard.test(proposal, facts.policy):
            return guard.message
    return None


def may_attempt(action: Action, proposal: Proposal, user: User) -> bool:
    """Whether the user is someone the action's rule names (else 403)."""
    return TRANSITIONS[action].who(proposal, user)


def is_open(activity: Activity, proposal: Proposal) -> bool:
    rule = ACTIVITIES[activity]
    if not is_in(proposal.status, rule.statuses):
        return False
    return rule.waiting is None or is_in(proposal.budget_status, rule.waiting)


@dataclass(frozen=True)
class Capabilities:
    """What one user may do with one proposal now: computed once per request."""

    actions: tuple[Action, ...]
    activities: frozenset[Activity]

    @property
    def allowed_actions(self) -> list[str]:
        """The actions, as API.md's `allowed_actions` lists them (table order)."""
        return [action.value for action in self.actions]

    def may(self, action: Action) -> bool:
        return action in self.actions

    def can(self, activity: Activity) -> bool:
        return activity in self.activities


def allowed_actions(proposal: Proposal, user: User, facts: Facts) -> tuple[Action, ...]:
    """The actions of `capabilities` alone (what a list shows of each proposal). The status
    is asked first: it rules out most actions without asking who the user is."""
    status = proposal.status
    return tuple(
        action
        for action, transition in TRANSITIONS.items()
        if status in transition.sources
        and blocked_by(action, proposal, facts) is None
        and transition.who(proposal, user)
    )


def capabilities(proposal: Proposal, user: User, facts: Facts | None = None) -> Capabilities:
    facts = facts or Facts()
    activities = frozenset(
        activity
        for activity, rule in ACTIVITIES.items()
        if is_open(activity, proposal) and _who(rule.who, proposal, user, facts)
    )
    return Capabilities(allowed_actions(proposal, user, facts), activities)


# -- the checks services make, in the order API.md gives: 403, then 409 ----------------------


def check_allowed(activity: Activity, proposal: Proposal, user: User, facts: Facts) -> None:
    """403 with the rule's message for someone it never lets do this."""
    rule = ACTIVITIES[activity]
    if not _who(rule.who, proposal, user, facts):
        raise Forbidden(rule.forbidden)


def check_open(activity: Activity, proposal: Proposal) -> None:
    """409 with the rule's message (naming the status) when the status does not allow it."""
    rule = ACTIVITIES[activity]
    if not is_in(proposal.status, rule.statuses):
        raise InvalidTransition(rule.closed, status=proposal.status)


def check_can_attempt(action: Action, proposal: Proposal, user: User) -> Transition:
    """403 when the user can never take this action on this proposal."""
    if not may_attempt(action, proposal, user):
        raise Forbidden(NOT_ALLOWED)
    return TRANSITIONS[action]


def check_confirmed(action: Action, proposal: Proposal, body: Any) -> None:
    """422 on the field when the action asks a question the body did not answer yes to
    (a confirmation the proposal's state needs: Transition.confirms)."""
    for confirmation in TRANSITIONS[action].confirms:
        if confirmation.needed(proposal) and getattr(body, confirmation.field, None) is not True:
            raise Invalid.field(confirmation.field, confirmation.message)


def check_status(action: Action, proposal: Proposal, user: User, facts: Facts) -> None:
    """409 naming the current status and what is allowed when the table forbids it."""
    blocked = blocked_by(action, proposal, facts)
    if blocked is None:
        return
    if blocked:
        raise InvalidTransition(blocked, status=proposal.status)
    allowed = capabilities(proposal, user, facts).allowed_actions
    raise InvalidTransition(WRONG_STATUS, status=proposal.status, allowed=", ".join(allowed) or "-")
