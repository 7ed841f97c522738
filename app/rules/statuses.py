"""1. The status groups every other rule is written in (docs/rules.md). A `#:` comment
above a group is its meaning in the generated document."""

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from app.models.enums import BudgetStatus, Status

# == 1. Status groups ========================================================================


def _s(*statuses: Status) -> frozenset[Status]:
    return frozenset(statuses)


ALL = frozenset(Status)
#: With the authors only: nobody else sees a draft or a proposal returned to them.
PRIVATE = _s(Status.draft, Status.returned)
#: Never submitted (下書き).
DRAFTS = _s(Status.draft)
#: Returned to the authors for revision (差戻し).
RETURNED = _s(Status.returned)
#: The authors may edit the text and the attachments (下書き・差戻し).
EDITABLE = _s(Status.draft, Status.returned)
#: Submitted at least once and not back with the authors: counted in the statistics.
NOT_DRAFT = ALL - _s(Status.draft)
#: Waiting for the secretariat's intake (受付待ち).
AWAITING_INTAKE = _s(Status.submitted)
#: The department's 所属長 may give an opinion (提出済み・審査中).
OPINION_OPEN = _s(Status.submitted, Status.in_review)
#: Reviewers are assigned and score until the committee decides.
IN_REVIEW = _s(Status.in_review)
#: Adopted and after: counted as adopted in the statistics.
ADOPTED = _s(Status.adopted, Status.budgeted, Status.in_progress, Status.completed)
#: Seen by every member of staff, and published in the open data.
PUBLIC = ADOPTED
#: Decided by the committee, whatever the outcome.
DECIDED = ADOPTED | _s(Status.deferred, Status.rejected)
#: Finance records, corrects, approves or denies the budget.
BUDGETING = _s(Status.adopted)
#: Being carried out: milestones are planned and may fall overdue (採用から実施中まで).
EXECUTING = _s(Status.adopted, Status.budgeted, Status.in_progress)
#: Adopted (and budgeted where money is needed), waiting for the work to start.
AWAITING_START = _s(Status.adopted, Status.budgeted)
#: Progress is reported.
IN_PROGRESS = _s(Status.in_progress)
#: The execution panel is shown (executing, and the completed record).
EXECUTION_SHOWN = EXECUTING | _s(Status.completed)
#: Done: progress is 100 %.
COMPLETED = _s(Status.completed)

# Budget records (予算) have statuses of their own.
#: A request waits for finance's decision (approve or deny).
BUDGET_WAITING = frozenset({BudgetStatus.requested})
#: Money was granted, in full or reduced (措置).
BUDGET_FUNDED = frozenset({BudgetStatus.approved, BudgetStatus.reduced})
#: Finance recorded that no money is needed: the work may start from adopted.
BUDGET_NOT_NEEDED = frozenset({BudgetStatus.not_required})
#: Not funded (見送り): may be requested again for a later fiscal year.
BUDGET_DENIED = frozenset({BudgetStatus.denied})
#: The request form corrects the record in place; after any other it starts afresh.
BUDGET_CORRECTABLE = BUDGET_WAITING | BUDGET_NOT_NEEDED


def is_in(status: str | None, group: Iterable[StrEnum]) -> bool:
    """Whether a stored status string belongs to a group."""
    if status is None:
        return False
    if isinstance(group, frozenset):
        # The groups above: a StrEnum member hashes and compares as its string.
        return status in group
    return status in {member.value for member in group}


def values(group: Iterable[StrEnum]) -> list[str]:
    """A group's stored strings, sorted: for SQL `IN (…)` and for documents."""
    return sorted(member.value for member in group)


def status_in(column: Any, group: Iterable[StrEnum]) -> Any:
    """An SQL condition: the status column is in the group."""
    return column.in_(values(group))
