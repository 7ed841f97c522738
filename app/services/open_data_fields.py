"""The open data's fields (FIELDS): each published column's English name (the JSON key),
Japanese label (the CSV header), type, description and how it is read from one row — the
single source of truth of open_data.py's JSON, CSV and data dictionary. Every field reads
one non-personal column, or the name of a department or DX initiative (open_data.py says
why nothing personal can slip in)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.config import Settings
from app.i18n import N_
from app.models import Initiative, Proposal
from app.models.enums import (
    CATEGORY_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
    Category,
    Kind,
    Outcome,
    Status,
)
from app.services.ledger import local_date, number
from app.wareki import fiscal_year_label

TYPE_LABELS = {
    "string": N_("文字列"),
    "integer": N_("整数"),
    "number": N_("数値"),
    "date": N_("日付（YYYY-MM-DD）"),
}


@dataclass(frozen=True)
class Row:
    """What a field may read: the proposal and the names behind its ids."""

    proposal: Proposal
    departments: dict[int, str]  # the published names: small departments as 「その他」
    initiative: Initiative | None
    approved_yen: int | None
    settings: Settings


@dataclass(frozen=True)
class Field:
    name: str  # the JSON key (snake_case, as in the API)
    label: str  # the CSV column name (項目名); part of the dataset, so never translated
    type: str  # a key of TYPE_LABELS
    description: str  # N_-marked; shown translated
    example: str
    value: Callable[[Row], Any]


def _p(attribute: str) -> Callable[[Row], Any]:
    return lambda row: getattr(row.proposal, attribute)


def _department(attribute: str) -> Callable[[Row], Any]:
    def value(row: Row) -> str | None:
        department_id = getattr(row.proposal, attribute)
        return row.departments.get(department_id) if department_id is not None else None

    return value


def _initiative(attribute: str) -> Callable[[Row], Any]:
    return lambda row: getattr(row.initiative, attribute) if row.initiative else None


def _labelled(labels: dict, enum: type, attribute: str) -> Callable[[Row], Any]:
    """The Japanese label, whatever the caller's language: the dataset does not change
    with Accept-Language."""

    def value(row: Row) -> str | None:
        code = getattr(row.proposal, attribute)
        try:
            return labels[enum(code)] if code is not None else None
        except (ValueError, KeyError):
            return code

    return value


def _date(attribute: str) -> Callable[[Row], Any]:
    return lambda row: local_date(getattr(row.proposal, attribute))


def _hours(attribute: str) -> Callable[[Row], Any]:
    return lambda row: number(getattr(row.proposal, attribute))


FIELDS: tuple[Field, ...] = (
    Field(
        "municipality_code",
        "全国地方公共団体コード",
        "string",
        N_("公開する地方公共団体の全国地方公共団体コード（検査数字を含む6桁）。"),
        "336238",
        lambda row: row.settings.open_data_municipality_code,
    ),
    Field(
        "municipality_name",
        "地方公共団体名",
        "string",
        N_("公開する地方公共団体の名称。"),
        "奈義町",
        lambda row: row.settings.open_data_municipality_name,
    ),
    Field("id", "ID", "integer", N_("提案を一意に識別する番号（変わらない）。"), "42", _p("id")),
    Field(
        "number",
        "提案番号",
        "string",
        N_("受理したときに付く年度ごとの一連番号（R＋令和の年-4桁）。"),
        "R7-0003",
        _p("number"),
    ),
    Field("title", "件名", "string", N_("提案の件名。"), "窓口予約システムの導入", _p("title")),
    Field(
        "summary",
        "概要",
        "string",
        N_("提案の要旨。"),
        "窓口の受付を予約制にする",
        _p("summary"),
    ),
    Field(
        "status",
        "状態コード",
        "string",
        N_(
            "状態: adopted（採用）、budgeted（予算化済み）、in_progress（実施中）、completed（完了）。"
        ),
        "in_progress",
        _p("status"),
    ),
    Field(
        "status_label",
        "状態",
        "string",
        N_("状態の日本語名。"),
        "実施中",
        _labelled(STATUS_LABELS, Status, "status"),
    ),
    Field(
        "fiscal_year",
        "年度",
        "integer",
        N_("提案を提出した年度（4月1日に始まる年の西暦）。"),
        "2025",
        _p("fiscal_year"),
    ),
    Field(
        "fiscal_year_label",
        "年度（和暦）",
        "string",
        N_("年度の和暦表記。"),
        "令和7年度",
        lambda row: fiscal_year_label(row.proposal.fiscal_year),
    ),
    Field(
        "kind",
        "区分コード",
        "string",
        N_("区分: improvement（業務改善提案）、policy（行政施策提案）。"),
        "improvement",
        _p("kind"),
    ),
    Field(
        "kind_label",
        "区分",
        "string",
        N_("区分の日本語名。"),
        "業務改善提案",
        _labelled(KIND_LABELS, Kind, "kind"),
    ),
    Field(
        "category",
        "分野コード",
        "string",
        N_("職員提案規程の分野: efficiency、satisfaction、savings、other。"),
        "efficiency",
        _p("category"),
    ),
    Field(
        "category_label",
        "分野",
        "string",
        N_("分野の日本語名。"),
        "事務事業の改善及び能率向上",
        _labelled(CATEGORY_LABELS, Category, "category"),
    ),
    Field(
        "outcome",
        "審査結果コード",
        "string",
        N_("審査結果: adopted（採用）、partially_adopted（一部採用）。"),
        "adopted",
        _p("outcome"),
    ),
    Field(
        "outcome_label",
        "審査結果",
        "string",
        N_("審査結果の日本語名。"),
        "採用",
        _labelled(OUTCOME_LABELS, Outcome, "outcome"),
    ),
    Field(
        "initiative_id",
        "DX施策ID",
        "integer",
        N_("関連するDX取組みのID。関連しない提案は空。"),
        "1",
        _p("initiative_id"),
    ),
    Field(
        "initiative_number",
        "DX施策番号",
        "integer",
        N_("DX取組みの番号（1〜12）。"),
        "1",
        _initiative("number"),
    ),
    Field(
        "initiative_title",
        "DX施策名",
        "string",
        N_("DX取組みの名称。"),
        "自治体の情報システムの標準化・共通化",
        _initiative("title"),
    ),
    Field(
        "department_name",
        "提案課",
        "string",
        N_(
            "提案したときの提案者の所属課（個人名は公開しません）。在籍職員が少ない課は「その他」としています。"
        ),
        "住民課",
        _department("department_id"),
    ),
    Field(
        "implementing_department_name",
        "実施担当課",
        "string",
        N_("提案を実施する課。在籍職員が少ない課は「その他」としています。"),
        "情報政策課",
        _department("implementing_department_id"),
    ),
    Field(
        "decided_date",
        "決定日",
        "date",
        N_("採用を決定した日。"),
        "2025-07-15",
        _date("decided_at"),
    ),
    Field(
        "started_date",
        "実施開始日",
        "date",
        N_("実施を始めた日。"),
        "2025-10-01",
        _date("started_at"),
    ),
    Field(
        "completed_date",
        "完了日",
        "date",
        N_("実施を完了した日。"),
        "2026-03-19",
        _date("completed_at"),
    ),
    Field(
        "approved_budget_yen",
        "予算措置額（円）",
        "integer",
        N_("措置された予算額（円）。予算が不要なもの、未措置のものは空。"),
        "1200000",
        lambda row: row.approved_yen,
    ),
    Field(
        "estimated_cost_yen",
        "概算経費（円）",
        "integer",
        N_("提案時に見込んだ経費（円）。"),
        "1500000",
        _p("estimated_cost_yen"),
    ),
    Field(
        "estimated_hours_saved_per_year_hours",
        "削減見込み時間（時間／年）",
        "number",
        N_("提案時に見込んだ年間の削減時間。"),
        "240",
        _hours("estimated_hours_saved_per_year_hours"),
    ),
    Field(
        "estimated_savings_yen_per_year",
        "削減見込み額（円／年）",
        "integer",
        N_(
            "提案時に見込んだ年間の削減額（円）。職員の時間以外で減る経費（印刷費、郵送料、委託料など）で、職員の時間は削減時間で数えます。"
        ),
        "960000",
        _p("estimated_savings_yen_per_year"),
    ),
    Field(
        "target_hours_saved_per_year_hours",
        "削減目標時間（時間／年）",
        "number",
        N_("採用時に定めた年間の削減時間の目標。"),
        "200",
        _hours("target_hours_saved_per_year_hours"),
    ),
    Field(
        "target_savings_yen_per_year",
        "削減目標額（円／年）",
        "integer",
        N_(
            "採用時に定めた年間の削減額の目標（円）。職員の時間以外で減る経費で、職員の時間は削減時間で数えます。"
        ),
        "800000",
        _p("target_savings_yen_per_year"),
    ),
    Field(
        "actual_hours_saved_per_year_hours",
        "削減実績時間（時間／年）",
        "number",
        N_("完了時に報告された年間の削減時間の実績。"),
        "180.5",
        _hours("actual_hours_saved_per_year_hours"),
    ),
    Field(
        "actual_savings_yen_per_year",
        "削減実績額（円／年）",
        "integer",
        N_(
            "完了時に報告された年間の削減額の実績（円）。職員の時間以外で減った経費で、職員の時間は削減時間で数えます。"
        ),
        "722000",
        _p("actual_savings_yen_per_year"),
    ),
    Field(
        "actual_cost_yen",
        "実績経費（円）",
        "integer",
        N_("実施に要した経費の実績（円）。"),
        "1150000",
        _p("actual_cost_yen"),
    ),
    Field(
        "progress_percent",
        "進捗率（％）",
        "integer",
        N_("実施の進捗率（0〜100）。"),
        "60",
        _p("progress_percent"),
    ),
)
