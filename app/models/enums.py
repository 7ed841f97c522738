"""The fixed vocabularies: role strings and employment types."""

from enum import StrEnum

from app.i18n import N_


class Role(StrEnum):
    staff = "staff"
    supervisor = "supervisor"
    secretariat = "secretariat"
    reviewer = "reviewer"
    finance = "finance"
    admin = "admin"


ROLE_LABELS: dict[Role, str] = {
    Role.staff: N_("職員"),
    Role.supervisor: N_("所属長"),
    Role.secretariat: N_("事務局"),
    Role.reviewer: N_("審査委員"),
    Role.finance: N_("財政担当"),
    Role.admin: N_("システム管理者"),
}


class EmailSetting(StrEnum):
    """A person's notification-settings `email` (API.md): mail each notice, one digest a
    day, or none."""

    immediate = "immediate"
    daily = "daily"
    off = "off"


EMAIL_SETTING_LABELS: dict[EmailSetting, str] = {
    EmailSetting.immediate: N_("すぐにメールで受け取る"),
    EmailSetting.daily: N_("1日分をまとめて受け取る"),
    EmailSetting.off: N_("メールでは受け取らない"),
}


class EmploymentType(StrEnum):
    regular = "regular"
    fiscal_year_appointed = "fiscal_year_appointed"
    reappointed = "reappointed"
    other = "other"


EMPLOYMENT_TYPE_LABELS: dict[EmploymentType, str] = {
    EmploymentType.regular: N_("正規職員"),
    EmploymentType.fiscal_year_appointed: N_("会計年度任用職員"),
    EmploymentType.reappointed: N_("再任用職員"),
    EmploymentType.other: N_("その他"),
}


class Status(StrEnum):
    """Proposal status strings (API.md); stored as plain strings."""

    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    not_accepted = "not_accepted"
    in_review = "in_review"
    adopted = "adopted"
    deferred = "deferred"
    rejected = "rejected"
    budgeted = "budgeted"
    in_progress = "in_progress"
    completed = "completed"
    withdrawn = "withdrawn"


STATUS_LABELS: dict[Status, str] = {
    Status.draft: N_("下書き"),
    Status.submitted: N_("提出済み（受付待ち）"),
    Status.returned: N_("差戻し"),
    Status.not_accepted: N_("不受理"),
    Status.in_review: N_("審査中"),
    Status.adopted: N_("採用"),
    Status.deferred: N_("保留"),
    Status.rejected: N_("不採用"),
    Status.budgeted: N_("予算化済み"),
    Status.in_progress: N_("実施中"),
    Status.completed: N_("完了"),
    Status.withdrawn: N_("取下げ"),
}


class Kind(StrEnum):
    improvement = "improvement"
    policy = "policy"


KIND_LABELS: dict[Kind, str] = {
    Kind.improvement: N_("業務改善提案"),
    Kind.policy: N_("行政施策提案"),
}


class Category(StrEnum):
    """The regulation's four fields (分野)."""

    efficiency = "efficiency"
    satisfaction = "satisfaction"
    savings = "savings"
    other = "other"


CATEGORY_LABELS: dict[Category, str] = {
    Category.efficiency: N_("事務事業の改善及び能率向上"),
    Category.satisfaction: N_("町民満足度の向上"),
    Category.savings: N_("経費の節減及び収入の増加"),
    Category.other: N_("その他"),
}


class RoundKind(StrEnum):
    standing = "standing"
    theme = "theme"


ROUND_KIND_LABELS: dict[RoundKind, str] = {
    RoundKind.standing: N_("随時募集"),
    RoundKind.theme: N_("課題提案"),
}


class Outcome(StrEnum):
    """The committee's decision (採用 / 一部採用 / 保留 / 不採用)."""

    adopted = "adopted"
    partially_adopted = "partially_adopted"
    deferred = "deferred"
    rejected = "rejected"


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.adopted: N_("採用"),
    Outcome.partially_adopted: N_("一部採用"),
    Outcome.deferred: N_("保留"),
    Outcome.rejected: N_("不採用"),
}
OUTCOME_STATUS: dict[Outcome, Status] = {
    Outcome.adopted: Status.adopted,
    Outcome.partially_adopted: Status.adopted,
    Outcome.deferred: Status.deferred,
    Outcome.rejected: Status.rejected,
}


class BudgetType(StrEnum):
    initial = "initial"  # 当初予算
    supplementary = "supplementary"  # 補正予算
    existing = "existing"  # 既定予算内


BUDGET_TYPE_LABELS: dict[BudgetType, str] = {
    BudgetType.initial: N_("当初予算"),
    BudgetType.supplementary: N_("補正予算"),
    BudgetType.existing: N_("既定予算内"),
}


class FundingSource(StrEnum):
    general = "general"  # 一般財源
    subsidy = "subsidy"  # 国・県補助
    grant = "grant"  # 交付金
    other = "other"


FUNDING_SOURCE_LABELS: dict[FundingSource, str] = {
    FundingSource.general: N_("一般財源"),
    FundingSource.subsidy: N_("国・県補助"),
    FundingSource.grant: N_("交付金"),
    FundingSource.other: N_("その他"),
}


class BudgetStatus(StrEnum):
    requested = "requested"  # 要求中 (awaiting finance's decision)
    approved = "approved"  # 措置 (as requested)
    reduced = "reduced"  # 減額措置
    denied = "denied"  # 見送り
    not_required = "not_required"  # 予算不要


BUDGET_STATUS_LABELS: dict[BudgetStatus, str] = {
    BudgetStatus.requested: N_("要求中"),
    BudgetStatus.approved: N_("措置済み"),
    BudgetStatus.reduced: N_("減額して措置"),
    BudgetStatus.denied: N_("見送り"),
    BudgetStatus.not_required: N_("予算不要"),
}
