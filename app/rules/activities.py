"""5. The activities that change a proposal without moving its status: in which statuses,
by whom, and the messages a refusal gives (403, 409)."""

from dataclasses import dataclass
from enum import StrEnum

from app.i18n import N_
from app.models.enums import BudgetStatus, Status
from app.rules.people import (
    Who,
    assigned_reviewer,
    author,
    authors,
    department_supervisor,
    finance,
    implementers,
    secretariat,
)
from app.rules.statuses import (
    BUDGET_WAITING,
    BUDGETING,
    DRAFTS,
    EDITABLE,
    EXECUTING,
    IN_PROGRESS,
    IN_REVIEW,
    OPINION_OPEN,
)

# == 5. Activities ===========================================================================


class Activity(StrEnum):
    """What changes a proposal without moving its status."""

    edit = "edit"
    attach = "attach"
    discard = "discard"
    opinion = "opinion"
    assign_reviewers = "assign-reviewers"
    score = "score"
    recuse = "recuse"
    record_budget = "record-budget"
    deny_budget = "deny-budget"
    plan_milestones = "plan-milestones"
    report_progress = "report-progress"


@dataclass(frozen=True)
class Rule:
    statuses: frozenset[Status]
    who: Who
    forbidden: str  # 403 for someone the rule never lets do it
    closed: str  # 409 in any other status (with %(status)s)
    waiting: frozenset[BudgetStatus] | None = None  # the current budget record's, if any


NOT_SECRETARIAT = N_("審査委員を割り当てられるのは事務局だけです。")
NOT_ASSIGNED = N_("この提案の審査委員に割り当てられていません。")
NOT_IN_REVIEW = N_("審査中の提案ではありません（現在: %(status)s）。")
ONLY_FINANCE = N_("予算を登録・決定できるのは財政担当だけです。")
NOT_ADOPTED = N_("予算を登録できるのは採用された提案だけです（現在: %(status)s）。")
ONLY_IMPLEMENTERS = N_("実施担当課の職員と事務局だけが実施状況を記録できます。")

ACTIVITIES: dict[Activity, Rule] = {
    Activity.edit: Rule(
        EDITABLE,
        authors,
        N_("この提案を編集できるのは提案者と共同提案者だけです。"),
        N_("現在の状態（%(status)s）では編集できません。編集できるのは下書きと差戻しの提案です。"),
    ),
    Activity.attach: Rule(
        EDITABLE,
        authors,
        N_("添付ファイルを追加・削除できるのは提案者と共同提案者だけです。"),
        N_(
            "現在の状態（%(status)s）では添付ファイルを追加・削除できません。"
            "追加・削除できるのは下書きと差戻しの提案です。"
        ),
    ),
    # 破棄: a draft nobody else has seen is deleted, not withdrawn (withdrawing keeps it).
    Activity.discard: Rule(
        DRAFTS,
        author,
        N_("下書きを破棄できるのは提案者だけです。"),
        N_("現在の状態（%(status)s）では破棄できません。破棄できるのは下書きだけです。"),
    ),
    Activity.opinion: Rule(
        OPINION_OPEN,
        department_supervisor,
        N_("所属長意見を書けるのは、提案者の所属の所属長だけです。"),
        N_("所属長意見は、提出済みまたは審査中の提案にだけ書けます（現在: %(status)s）。"),
    ),
    Activity.assign_reviewers: Rule(IN_REVIEW, secretariat, NOT_SECRETARIAT, NOT_IN_REVIEW),
    Activity.score: Rule(IN_REVIEW, assigned_reviewer, NOT_ASSIGNED, NOT_IN_REVIEW),
    Activity.recuse: Rule(IN_REVIEW, assigned_reviewer, NOT_ASSIGNED, NOT_IN_REVIEW),
    Activity.record_budget: Rule(BUDGETING, finance, ONLY_FINANCE, NOT_ADOPTED),
    Activity.deny_budget: Rule(
        BUDGETING, finance, ONLY_FINANCE, NOT_ADOPTED, waiting=BUDGET_WAITING
    ),
    Activity.plan_milestones: Rule(
        EXECUTING,
        implementers,
        ONLY_IMPLEMENTERS,
        N_("マイルストーンを記録できるのは採用から実施中までの提案です（現在: %(status)s）。"),
    ),
    Activity.report_progress: Rule(
        IN_PROGRESS,
        implementers,
        ONLY_IMPLEMENTERS,
        N_("進捗を報告できるのは実施中の提案だけです（現在: %(status)s）。"),
    ),
}
