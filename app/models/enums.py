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
