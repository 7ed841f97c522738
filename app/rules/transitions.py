"""4. The transitions: each lifecycle action's source statuses, target, who may take it,
its reason and its guards (with the message a refusal gives)."""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from app.i18n import N_
from app.models import Proposal
from app.models.enums import Status
from app.rules.people import ReviewPolicy, Who, author, authors, finance, implementers, secretariat
from app.rules.statuses import (
    AWAITING_INTAKE,
    AWAITING_START,
    BUDGET_NOT_NEEDED,
    BUDGET_WAITING,
    BUDGETING,
    COMPLETED,
    IN_PROGRESS,
    IN_REVIEW,
    _s,
    is_in,
)

# == 4. Transitions ==========================================================================


class Action(StrEnum):
    """The lifecycle actions (API.md: POST /api/v1/proposals/{id}/<action>)."""

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


@dataclass(frozen=True)
class Guard:
    """A condition beyond the source status, with the message a refusal (409) gives."""

    test: Callable[[Proposal, ReviewPolicy], bool]
    message: str
    explained: str  # for docs/rules.md


@dataclass(frozen=True)
class Confirmation:
    """A question the action asks before it goes ahead in some states: while `needed`
    holds, the body's `field` must be true, else 422 with the message (on that field)."""

    field: str
    needed: Callable[[Proposal], bool]
    message: str
    explained: str  # for docs/rules.md


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    targets: frozenset[Status]  # more than one: the outcome picks (decide)
    who: Who
    reason: Reason = Reason.none
    guards: tuple[Guard, ...] = ()
    confirms: tuple[Confirmation, ...] = ()


NEEDS_A_REVIEW = N_("完了した審査がまだないため、決定できません。")
NO_REQUEST = N_("決定を待っている予算要求がありません。")
NOT_STARTABLE = N_(
    "予算が措置されていないため開始できません（財政担当が「予算不要」とした場合は開始できます）。"
)
NOT_IMPLEMENTED_YET = N_("実施中でない提案は、実施済み報告の場合にだけ完了にできます。")
OPEN_MILESTONES = N_(
    "未完了のマイルストーンがあります。完了報告と同時にそれらを完了とすることを確認してください"
    "（close_open_milestones）。"
)


def budget_settled(proposal: Proposal) -> bool:
    """Start's guard: budgeted, or adopted with finance's record saying no money is needed."""
    return not is_in(proposal.status, BUDGETING) or is_in(proposal.budget_status, BUDGET_NOT_NEEDED)


def completable(proposal: Proposal) -> bool:
    """Complete's guard: from adopted only for an already-implemented report (実施済み報告)."""
    return not is_in(proposal.status, BUDGETING) or proposal.already_implemented


def has_open_milestones(proposal: Proposal) -> bool:
    """A milestone is not done yet (the proposal keeps the earliest open one's due date)."""
    return proposal.open_due_date is not None


TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(Action.submit, _s(Status.draft, Status.returned), _s(Status.submitted), authors),
        Transition(
            Action.return_, AWAITING_INTAKE, _s(Status.returned), secretariat, Reason.required
        ),
        Transition(
            Action.not_accept,
            AWAITING_INTAKE,
            _s(Status.not_accepted),
            secretariat,
            Reason.required,
        ),
        # Accepting gives the proposal its number for the fiscal year (R7-0003).
        Transition(Action.accept, AWAITING_INTAKE, IN_REVIEW, secretariat),
        Transition(
            Action.withdraw,
            _s(Status.draft, Status.submitted, Status.returned, Status.in_review),
            _s(Status.withdrawn),
            author,
            Reason.optional,
        ),
        # The committee's outcome picks the status: 採用/一部採用 → adopted, 保留 → deferred,
        # 不採用 → rejected.
        Transition(
            Action.decide,
            IN_REVIEW,
            _s(Status.adopted, Status.deferred, Status.rejected),
            secretariat,
            Reason.required,
            guards=(
                Guard(
                    lambda p, policy: p.reviews_in > 0 or not policy.decision_requires_review,
                    NEEDS_A_REVIEW,
                    "a completed review, unless the settings waive it "
                    "(DECISION_REQUIRES_REVIEW=false)",
                ),
            ),
        ),
        Transition(Action.reopen_review, _s(Status.deferred), IN_REVIEW, secretariat),
        Transition(
            Action.approve_budget,
            BUDGETING,
            _s(Status.budgeted),
            finance,
            guards=(
                Guard(
                    lambda p, _policy: is_in(p.budget_status, BUDGET_WAITING),
                    NO_REQUEST,
                    "a budget request waiting for the decision",
                ),
            ),
        ),
        Transition(
            Action.start,
            AWAITING_START,
            IN_PROGRESS,
            implementers,
            guards=(
                Guard(
                    lambda p, _policy: budget_settled(p),
                    NOT_STARTABLE,
                    "from adopted only when finance recorded that no budget is needed",
                ),
            ),
        ),
        Transition(
            Action.complete,
            _s(Status.in_progress, Status.adopted),
            COMPLETED,
            implementers,
            guards=(
                Guard(
                    lambda p, _policy: completable(p),
                    NOT_IMPLEMENTED_YET,
                    "from adopted only for an already-implemented report (実施済み報告)",
                ),
            ),
            # The bar shows 100 % once completed: open milestones are closed with it, and
            # only when the caller says so.
            confirms=(
                Confirmation(
                    "close_open_milestones",
                    has_open_milestones,
                    OPEN_MILESTONES,
                    "while milestones are open, `close_open_milestones: true` "
                    "(they are closed on the completion date)",
                ),
            ),
        ),
    )
}
