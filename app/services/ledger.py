"""The proposal ledger (提案台帳) for the secretariat: one row per proposal with Japanese
headers, ISO and 和暦 dates, names instead of ids, the current budget and the three sets of
effects — the rows of the CSV and Excel exports.

The selection is exactly the proposal list's (the same ProposalFilters through
list_proposals, so the same visibility), less the caller's own unsubmitted drafts. Names and
budgets are fetched in a fixed number of batched queries, never one per row.
"""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from app import rules
from app.errors import Forbidden
from app.i18n import N_
from app.i18n import gettext as _
from app.models import BudgetRecord, Department, Initiative, Proposal, Round, User
from app.models.enums import (
    BUDGET_STATUS_LABELS,
    CATEGORY_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
    BudgetStatus,
    Category,
    Kind,
    Outcome,
    Role,
    Status,
)
from app.models.types import id_of
from app.services.exports import spreadsheet_safe
from app.services.pagination import PageParams
from app.services.proposals import ProposalFilters, list_proposals
from app.wareki import fiscal_year_label, to_local_date, wareki_date

ONLY_SECRETARIAT = N_("提案台帳を出力できるのは事務局だけです。")
# More rows than a town hall's ledger will ever hold; the list is read in one go.
MAX_ROWS = 1_000_000

HEADERS = [
    N_("提案番号"),
    N_("件名"),
    N_("状態"),
    N_("年度"),
    N_("提出日"),
    N_("提出日（和暦）"),
    N_("決定日"),
    N_("決定日（和暦）"),
    N_("実施開始日"),
    N_("完了予定日"),
    N_("完了日"),
    N_("完了日（和暦）"),
    N_("区分"),
    N_("分野"),
    N_("募集回"),
    N_("DX取組み"),
    N_("提案者"),
    N_("共同提案者"),
    N_("所属課"),
    N_("審査点"),
    N_("審査結果"),
    N_("賞"),
    N_("実施担当課"),
    N_("予算状況"),
    N_("予算要求額（円）"),
    N_("予算措置額（円）"),
    N_("概算経費（円）"),
    N_("削減見込み時間（時間／年）"),
    N_("削減見込み額（円／年）"),
    N_("削減目標時間（時間／年）"),
    N_("削減目標額（円／年）"),
    N_("削減実績時間（時間／年）"),
    N_("削減実績額（円／年）"),
    N_("実績経費（円）"),
    N_("進捗率（％）"),
]


def can_export_ledger(user: User) -> bool:
    return user.has_role(Role.secretariat)


def local_date(value: datetime | date | None) -> date | None:
    """The day in Japan (None stays None): dates in the exports are days, not instants."""
    return None if value is None else to_local_date(value)


def number(value: float | int | None) -> float | int | None:
    """Hours as 120 rather than 120.0 (both files show the same)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def label(labels: dict, enum: type, value: str | None) -> str:
    if value is None:
        return ""
    try:
        return _(labels[enum(value)])
    except (ValueError, KeyError):
        return value


def _by_id(rows: Iterable[Any]) -> dict[int, Any]:
    return {row.id: row for row in rows}


def current_budgets(session: Session, proposal_ids: list[int]) -> dict[int, BudgetRecord]:
    """Each proposal's current (newest) budget record, in one query."""
    if not proposal_ids:
        return {}
    records = session.exec(
        select(BudgetRecord)
        .where(col(BudgetRecord.proposal_id).in_(proposal_ids))
        .order_by(col(BudgetRecord.id))
    ).all()
    return {record.proposal_id: record for record in records}  # the newest wins


def ledger_order(proposal: Proposal) -> tuple:
    """By fiscal year, then number (unnumbered last), then submission."""
    return (
        proposal.fiscal_year,
        proposal.number is None,
        proposal.number or "",
        proposal.submitted_at or proposal.created_at,
        proposal.id,
    )


def ledger_proposals(session: Session, *, user: User, filters: ProposalFilters) -> list[Proposal]:
    """The proposals of the ledger: the list's selection for this user, without the
    user's own never-submitted drafts. Forbidden (403) unless secretariat."""
    if not can_export_ledger(user):
        raise Forbidden(ONLY_SECRETARIAT)
    rows, _total = list_proposals(
        session, user=user, filters=filters, page=PageParams(limit=MAX_ROWS, offset=0)
    )
    return sorted((p for p in rows if rules.is_in(p.status, rules.NOT_DRAFT)), key=ledger_order)


def ledger_rows(
    session: Session, *, user: User, filters: ProposalFilters
) -> tuple[list[str], list[list[Any]]]:
    """Translated headers and one row per proposal (amounts as numbers, dates as dates)."""
    proposals = ledger_proposals(session, user=user, filters=filters)
    user_ids = {p.author_id for p in proposals}
    for p in proposals:
        user_ids.update(p.co_author_ids)
    users = (
        _by_id(session.exec(select(User).where(col(User.id).in_(user_ids))).all())
        if user_ids
        else {}
    )
    departments = _by_id(session.exec(select(Department)).all())
    initiatives = _by_id(session.exec(select(Initiative)).all())
    awards = rules.policy_of(session).awards
    round_ids = {p.round_id for p in proposals}
    rounds = (
        _by_id(session.exec(select(Round).where(col(Round.id).in_(round_ids))).all())
        if round_ids
        else {}
    )
    budgets = current_budgets(session, [id_of(p) for p in proposals])

    def name(table: dict[int, Any], key: int | None, attribute: str = "name") -> str:
        row = table.get(key) if key is not None else None
        return getattr(row, attribute) if row is not None else ""

    rows = []
    for p in proposals:
        initiative = initiatives.get(p.initiative_id) if p.initiative_id else None
        budget = budgets.get(id_of(p))
        submitted = local_date(p.submitted_at)
        decided = local_date(p.decided_at)
        completed = local_date(p.completed_at)
        rows.append(
            [
                p.number or "",
                p.title,
                label(STATUS_LABELS, Status, p.status),
                fiscal_year_label(p.fiscal_year),
                submitted,
                wareki_date(submitted),
                decided,
                wareki_date(decided),
                local_date(p.started_at),
                p.planned_end_date,
                completed,
                wareki_date(completed),
                label(KIND_LABELS, Kind, p.kind),
                label(CATEGORY_LABELS, Category, p.category),
                name(rounds, p.round_id, "title"),
                f"{initiative.number}. {initiative.title}" if initiative else "",
                name(users, p.author_id),
                "、".join(name(users, uid) for uid in p.co_author_ids),
                name(departments, p.department_id),
                None if p.score is None else round(p.score, 1),
                label(OUTCOME_LABELS, Outcome, p.outcome),
                awards.get(p.award, p.award) if p.award else "",
                name(departments, p.implementing_department_id),
                label(BUDGET_STATUS_LABELS, BudgetStatus, budget.status) if budget else "",
                budget.requested_yen if budget else None,
                budget.approved_yen if budget else None,
                p.estimated_cost_yen,
                number(p.estimated_hours_saved_per_year_hours),
                p.estimated_savings_yen_per_year,
                number(p.target_hours_saved_per_year_hours),
                p.target_savings_yen_per_year,
                number(p.actual_hours_saved_per_year_hours),
                p.actual_savings_yen_per_year,
                p.actual_cost_yen,
                p.progress_percent,
            ]
        )
    return [_(h) for h in HEADERS], [[spreadsheet_safe(v) for v in row] for row in rows]
