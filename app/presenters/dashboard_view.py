"""What the dashboard and the initiative pages show: stats.compute's figures with their
charts (SVG from charts.py), the fiscal years to choose from and the definitions in words.
Reads only; the figures and their rules stay in stats.py."""

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.i18n import N_
from app.i18n import gettext as _
from app.models import Proposal
from app.services import charts, stats
from app.services.charts import Bar, Series
from app.templating import hours, yen
from app.wareki import fiscal_year_label, fiscal_year_of, today_jst

# The definitions from stats.py, in words, for the notes under the figures.
NOTES = (
    N_("提案は提出日の年度で数えます（下書きは作成日の年度）。下書きは「状態別」にだけ含めます。"),
    N_("採用 = 採用・予算化済み・実施中・完了。判断済み = 採用 + 保留 + 不採用。"),
    N_("採用率 = 採用 ÷ 判断済み。実施率（完了率）= 完了 ÷ 採用。"),
    N_("参加率 = 提案を提出した職員の実人数 ÷ 在籍職員（有効なアカウント）の数。"),
    N_("予算は各提案の最新の予算記録の要求額・措置額を合計します。"),
    N_("効果の見込み・目標は採用された提案の合計、実績は完了した提案の合計です（年間）。"),
    N_("削減時間は職員の時間単価で金額に換算しています。"),
    N_(
        "各段階の日数は中央値です: 受付 = 提出→受付、審査 = 受付→判断、予算化・着手準備 = 判断→着手、実施 = 着手→完了。"
    ),
)
SMALL_GROUPS_NOTE = N_(
    "在籍職員が%(n)s人未満の所属は、個人が特定されないよう、まとめて「その他」として数えています。"
)
STAGE_LABELS = {
    "intake": N_("受付"),
    "review": N_("審査"),
    "preparation": N_("予算化・着手準備"),
    "execution": N_("実施"),
}
NO_INITIATIVE = N_("DX取組みに該当なし")
NO_DEPARTMENT = N_("所属なし")
OTHER_DEPARTMENTS = N_("その他")


def percent(rate: float | None) -> str:
    """0.6 → 60.0%; '—' when the rate is undefined (nothing to divide by)."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def count(value: int) -> str:
    return _("%(count)s件", count=f"{value:,}")


def days(value: float | None) -> str:
    return "—" if value is None else _("%(days)s日", days=f"{value:,.1f}")


def per_head(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def years_with_proposals():
    """The distinct fiscal years of the proposals, each found from the one before by the
    fiscal_year index (a recursive query: a dozen index look-ups, where SELECT DISTINCT
    reads the whole index on PostgreSQL — 10 ms with 100,000 proposals)."""
    year = col(Proposal.fiscal_year)
    years = sa_select(func.min(year).label("year")).cte("years", recursive=True)
    following = sa_select(sa_select(func.min(year)).where(year > years.c.year).scalar_subquery())
    years = years.union_all(following.where(years.c.year.is_not(None)))
    return sa_select(years.c.year).where(years.c.year.is_not(None)).subquery("distinct_years")


def fiscal_years(session: Session, selected: int) -> list[int]:
    """The years to choose from, newest first: the last five, every year with proposals,
    and the one shown."""
    current = fiscal_year_of(today_jst())
    with_data = session.exec(select(years_with_proposals().c.year)).all()
    years = {*range(current - 4, current + 1), selected, *(y for y in with_data if y)}
    return sorted(years, reverse=True)


@dataclass
class Rate:
    key: str
    label: str
    rate: float | None
    numerator: int
    denominator: int
    svg: Markup


@dataclass
class RollUp:
    fiscal_year: int
    fiscal_year_label: str
    stats: dict[str, Any]
    initiative_id: int | None
    charts: dict[str, Markup] = field(default_factory=dict)
    rates: list[Rate] = field(default_factory=list)
    status_rows: list[tuple[str, str, int]] = field(default_factory=list)
    budget_rows: list[dict[str, Any]] = field(default_factory=list)
    effect_rows: list[dict[str, Any]] = field(default_factory=list)
    stage_rows: list[tuple[str, str, float | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def initiative_name(row: dict[str, Any]) -> str:
    if row["number"] is None:
        return _(NO_INITIATIVE)
    return f"{row['number']}. {row['title']}"


def department_name(row: dict[str, Any]) -> str:
    if row.get("merged"):
        return _(OTHER_DEPARTMENTS)
    return row["name"] if row["department_id"] is not None else _(NO_DEPARTMENT)


def _proposals_and_adopted(rows: list[dict[str, Any]]) -> list[Series]:
    return [
        Series(name, [r[key] for r in rows], [count(r[key]) for r in rows])
        for name, key in ((_("提案"), "proposals"), (_("採用"), "adopted"))
    ]


def _rates(figures: dict[str, Any], prefix: str) -> list[Rate]:
    specs = (
        ("adoption", N_("採用率"), figures["adoption_rate"], figures["adopted"], figures["decided"],
         N_("採用 %(n)s件 ÷ 判断済み %(d)s件")),
        ("implementation", N_("実施率（完了率）"), figures["implementation_rate"],
         figures["completed"], figures["adopted"], N_("完了 %(n)s件 ÷ 採用 %(d)s件")),
        ("participation", N_("参加率"), figures["participation_rate"], figures["proposers"],
         figures["active_staff"], N_("提案者 %(n)s人 ÷ 在籍職員 %(d)s人")),
    )  # fmt: skip
    result = []
    for key, label, rate, numerator, denominator, words in specs:
        detail = _(words, n=f"{numerator:,}", d=f"{denominator:,}")
        svg = charts.rate_bar(
            chart_id=f"{prefix}rate-{key}",
            title=_(label),
            desc=f"{_(label)}: {percent(rate)}（{detail}）",
            rate=rate,
            text=percent(rate),
        )
        result.append(Rate(key, _(label), rate, numerator, denominator, svg))
    return result


def roll_up(
    session: Session,
    *,
    fiscal_year: int | str | None,
    initiative_id: int | None = None,
    hourly_cost_yen: int,
    merge_below: int = 0,
) -> RollUp:
    """The figures of one fiscal year (all proposals, or one initiative's) with their
    charts; departments with fewer than `merge_below` active staff shown together as
    「その他」 (small_groups.py). Invalid (422) for an absurd year, as stats.compute."""
    figures = stats.compute(
        session,
        fiscal_year=fiscal_year,
        initiative_id=initiative_id,
        hourly_cost_yen=hourly_cost_yen,
        merge_below=merge_below,
    )
    prefix = "chart-" if initiative_id is None else "initiative-chart-"
    label = figures["fiscal_year_label"]
    view = RollUp(figures["fiscal_year"], label, figures, initiative_id)
    view.notes = [_(note) for note in NOTES]
    if merge_below:
        view.notes.append(_(SMALL_GROUPS_NOTE, n=merge_below))
    view.rates = _rates(figures, prefix)

    view.status_rows = [
        (status, _(figures["by_status_label"][status]), n)
        for status, n in figures["by_status"].items()
    ]
    view.charts["status"] = charts.bar_chart(
        chart_id=f"{prefix}status",
        title=_("状態別の提案件数"),
        desc=_("%(year)sの提案を状態ごとに数えた棒グラフ（下書きを含む）。", year=label),
        bars=[Bar(name, n, count(n)) for _s, name, n in view.status_rows],
    )

    if initiative_id is None:
        rows = figures["by_initiative"]
        view.charts["initiative"] = charts.grouped_bar_chart(
            chart_id=f"{prefix}initiative",
            title=_("DX取組み別の提案件数と採用件数"),
            desc=_("%(year)sの提案をDX取組みごとに数えた棒グラフ。", year=label),
            categories=[initiative_name(r) for r in rows],
            series=_proposals_and_adopted(rows),
        )

    departments = figures["by_department"]
    view.charts["department"] = charts.grouped_bar_chart(
        chart_id=f"{prefix}department",
        title=_("所属別の提案件数と採用件数"),
        desc=_("%(year)sの提案を提案者の所属ごとに数えた棒グラフ。", year=label),
        categories=[department_name(r) for r in departments],
        series=_proposals_and_adopted(departments),
    )
    view.charts["participation"] = charts.bar_chart(
        chart_id=f"{prefix}participation",
        title=_("所属別の参加率"),
        desc=_("所属ごとの、提案した職員の実人数 ÷ 在籍職員の数。"),
        bars=[
            Bar(department_name(r), r["participation_rate"] or 0, percent(r["participation_rate"]))
            for r in departments
        ],
        max_value=1,
    )

    kinds = figures["by_kind"]
    view.charts["kind"] = charts.bar_chart(
        chart_id=f"{prefix}kind",
        title=_("種類別の提案件数"),
        desc=_("%(year)sの提案を種類ごとに数えた棒グラフ。", year=label),
        bars=[Bar(_(k["label"]), k["proposals"], count(k["proposals"])) for k in kinds],
    )

    _budget(view, figures, prefix)
    _effects(view, figures, prefix, hourly_cost_yen)

    view.stage_rows = [
        (
            s["stage"],
            _(STAGE_LABELS.get(s["stage"], s["label"])),
            figures["median_days"][s["stage"]],
        )
        for s in figures["stages"]
    ]
    view.charts["stages"] = charts.bar_chart(
        chart_id=f"{prefix}stages",
        title=_("各段階にかかった日数（中央値）"),
        desc=_("提案が各段階にかかった日数の中央値。「—」は該当する提案がないもの。"),
        bars=[Bar(name, value or 0, days(value)) for _k, name, value in view.stage_rows],
    )
    return view


def _budget(view: RollUp, figures: dict[str, Any], prefix: str) -> None:
    total = figures["budget"]
    rows = [{"name": _("合計"), **total, "total": True}]
    if view.initiative_id is None:
        rows += [
            {"name": initiative_name(r), "requested_yen": r["requested_yen"],
             "approved_yen": r["approved_yen"], "total": False}
            for r in figures["by_initiative"]
            if r["requested_yen"] or r["approved_yen"]
        ]  # fmt: skip
    view.budget_rows = rows
    view.charts["budget"] = charts.grouped_bar_chart(
        chart_id=f"{prefix}budget",
        title=_("予算の要求額と措置額"),
        desc=_("各提案の最新の予算記録の要求額と措置額の合計。"),
        categories=[r["name"] for r in rows],
        series=[
            Series(name, [r[key] for r in rows], [yen(r[key]) for r in rows])
            for name, key in ((_("要求額"), "requested_yen"), (_("措置額"), "approved_yen"))
        ],
    )


def _effects(view: RollUp, figures: dict[str, Any], prefix: str, rate: int) -> None:
    e = figures["effects"]
    target_as_yen = e["hours_as_yen_target"]
    view.effect_rows = [
        {"name": _("削減時間（年間）"), "kind": "hours",
         "values": (e["hours_saved_estimated"], e["hours_saved_target"], e["hours_saved_actual"])},
        {"name": _("削減時間の金額換算（年間）"), "kind": "yen",
         "values": (e["hours_as_yen_estimated"], target_as_yen, e["hours_as_yen_actual"])},
        {"name": _("削減額（職員の時間以外・年間）"), "kind": "yen",
         "values": (e["savings_yen_estimated"], e["savings_yen_target"], e["savings_yen_actual"])},
        {"name": _("換算額と削減額の合計（年間）"), "kind": "yen",
         "values": (e["total_yen_estimated"], e["total_yen_target"], e["total_yen_actual"])},
    ]  # fmt: skip
    for row in view.effect_rows:
        show = hours if row["kind"] == "hours" else yen
        row["texts"] = tuple(show(v) for v in row["values"])
    names = (_("見込み"), _("目標"), _("実績"))

    def series(rows: list[dict[str, Any]]) -> list[Series]:
        return [
            Series(name, [r["values"][i] for r in rows], [r["texts"][i] for r in rows])
            for i, name in enumerate(names)
        ]

    hour_rows = view.effect_rows[:1]
    view.charts["hours"] = charts.grouped_bar_chart(
        chart_id=f"{prefix}hours",
        title=_("削減時間の見込み・目標・実績"),
        desc=_("年間の削減時間。見込み・目標は採用された提案、実績は完了した提案の合計。"),
        categories=[r["name"] for r in hour_rows],
        series=series(hour_rows),
    )
    yen_rows = view.effect_rows[1:]
    view.charts["savings"] = charts.grouped_bar_chart(
        chart_id=f"{prefix}savings",
        title=_("削減効果（金額）の見込み・目標・実績"),
        desc=_(
            "年間の削減額と、削減時間を時間単価%(rate)sで換算した額。",
            rate=yen(rate),
        ),
        categories=[r["name"] for r in yen_rows],
        series=series(yen_rows),
    )


def fiscal_year_choices(session: Session, selected: int) -> list[tuple[int, str]]:
    return [(y, fiscal_year_label(y)) for y in fiscal_years(session, selected)]
