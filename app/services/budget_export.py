"""The fiscal year's budget list as rows for the CSV and Excel exports."""

from typing import Any

from sqlmodel import Session, select

from app.i18n import N_
from app.models import Department, Initiative
from app.models.enums import (
    BUDGET_STATUS_LABELS,
    BUDGET_TYPE_LABELS,
    FUNDING_SOURCE_LABELS,
    BudgetStatus,
    BudgetType,
    FundingSource,
)
from app.services.budget import YearView
from app.wareki import fiscal_year_label

HEADERS = [
    N_("年度"),
    N_("提案番号"),
    N_("件名"),
    N_("DX取組み"),
    N_("実施担当課"),
    N_("予算区分"),
    N_("予算科目"),
    N_("財源"),
    N_("要求額（円）"),
    N_("措置額（円）"),
    N_("状態"),
    N_("備考"),
]


def budget_rows(session: Session, view: YearView) -> tuple[list[str], list[list[Any]]]:
    """Japanese headers and one row per budget record of the year (amounts as numbers)."""
    initiatives = {i.id: f"{i.number}. {i.title}" for i in session.exec(select(Initiative)).all()}
    departments = {d.id: d.name for d in session.exec(select(Department)).all()}
    label = fiscal_year_label(view.fiscal_year)
    rows = [
        [
            label,
            proposal.number or "",
            proposal.title,
            initiatives.get(proposal.initiative_id, ""),
            departments.get(proposal.implementing_department_id, ""),
            BUDGET_TYPE_LABELS[BudgetType(record.budget_type)],
            record.account or "",
            FUNDING_SOURCE_LABELS[FundingSource(record.funding_source)],
            record.requested_yen,
            record.approved_yen,
            BUDGET_STATUS_LABELS[BudgetStatus(record.status)],
            record.note or "",
        ]
        for record, proposal in view.rows
    ]
    return list(HEADERS), rows
