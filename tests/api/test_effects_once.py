"""Issue 17 item 5 through /api/v1/stats and the pages: the totals count staff time once
(a 削減額 equal to its hours' conversion is not added again), and each effects field says
what it means on the proposal form, the decision form and the completion report form."""

import re

from sqlmodel import Session

from app.models.enums import Role, Status
from tests.helpers import proposal_in

YEAR = 2026


def _completed(session: Session, author, title: str, hours: float, savings: int):
    proposal = proposal_in(session, Status.completed, author=author, title=title)
    proposal.fiscal_year = YEAR
    proposal.estimated_hours_saved_per_year_hours = hours
    proposal.estimated_savings_yen_per_year = savings
    proposal.target_hours_saved_per_year_hours = hours
    proposal.target_savings_yen_per_year = savings
    proposal.actual_hours_saved_per_year_hours = hours
    proposal.actual_savings_yen_per_year = savings
    proposal.actual_cost_yen = 0
    session.add(proposal)
    session.commit()
    return proposal


def test_stats_and_dashboard_count_staff_time_once(
    session: Session, make_user, make_department, api_as, page_as
) -> None:
    department = make_department(name="住民課")
    author = make_user(department=department)
    secretariat = make_user(Role.secretariat, department=department)
    make_user(department=department)  # three staff: the department is named
    # The issue's report: 120 時間 and, in 削減額, the same hours at 4,000円 again.
    _completed(session, author, "窓口予約システム", 120, 480_000)
    # A report as the forms now ask: 10 時間 and 30,000円 of postage.
    _completed(session, author, "郵送の電子化", 10, 30_000)

    body = api_as(secretariat).get("/api/v1/stats", params={"fiscal_year": YEAR}).json()
    e = body["effects"]
    assert (e["hours_saved_actual"], e["savings_yen_actual"]) == (130.0, 510_000)  # as entered
    assert e["hours_as_yen_actual"] == 520_000  # 130 × 4,000
    # 520,000 + 30,000: the 480,000円 that repeated the hours is not added again.
    for kind in ("estimated", "target", "actual"):
        assert e[f"total_yen_{kind}"] == 550_000, kind

    html = page_as(author).get("/dashboard", params={"fiscal_year": YEAR}).text
    table = html[html.index('id="chart-effects-table"') :]
    table = table[: table.index("</table>")]
    total_row = table[table.index("換算額と削減額の合計") :]
    total_row = total_row[: total_row.index("</tr>")]
    assert re.findall(r'<td class="num">([^<]*)</td>', total_row) == ["550,000円"] * 3
    assert "職員の時間は削減時間で一度だけ数えます" in html


def test_the_proposals_effects_table_counts_the_issues_case_once(
    session: Session, make_user, page_as
) -> None:
    author = make_user()
    proposal = _completed(session, author, "窓口予約システム", 120, 480_000)
    html = page_as(make_user()).get(f"/proposals/{proposal.id}").text  # public once adopted
    row = html[html.index('id="effects-actual"') :]
    row = row[: row.index("</tr>")]
    cells = re.findall(r'<td class="num">(.*?)</td>', row)
    assert cells[1:3] == ["120時間", "480,000円"]
    assert cells[3].startswith("480,000円") and "重複とみなし" in cells[3]
    assert cells[4] == "480,000円"  # not 960,000円
    assert "職員の時間は削減時間で一度だけ数え" in html


SAVINGS_HELP = "職員の時間以外で年間に減る経費です（印刷費、郵送料、委託料、消耗品など）"
HOURS_HELP = "職員の時間はここでだけ数え、1時間あたり4,000円で金額に換算します"


def _help(html: str, field_id: str) -> str:
    start = html.index(f'id="{field_id}"')
    return html[start : html.index("</p>", start)]


def test_each_form_says_what_the_effects_fields_mean(
    session: Session, make_user, make_department, page_as
) -> None:
    residents, it = make_department(name="住民課"), make_department(name="情報政策課")
    author = make_user(department=residents)
    # The author's proposal form.
    form = page_as(author).get("/proposals/new").text
    assert HOURS_HELP in _help(form, "h-estimated_hours_saved_per_year_hours")
    assert SAVINGS_HELP in _help(form, "h-estimated_savings_yen_per_year")

    # The secretariat's decision form.
    clerk = make_user(Role.secretariat, department=residents)
    reviewing = proposal_in(session, Status.in_review, author=author, title="押印の廃止")
    decision = page_as(clerk).get(f"/proposals/{reviewing.id}").text
    assert HOURS_HELP in _help(decision, "h-target_hours_saved_per_year_hours")
    assert SAVINGS_HELP in _help(decision, "h-target_savings_yen_per_year")

    # The implementing department's completion report form.
    doer = make_user(department=it)
    running = proposal_in(session, Status.in_progress, author=author, title="予約システム")
    running.implementing_department_id = it.id
    session.add(running)
    session.commit()
    report = page_as(doer).get(f"/proposals/{running.id}").text
    assert HOURS_HELP in _help(report, "complete-h-actual_hours_saved_per_year_hours")
    assert SAVINGS_HELP in _help(report, "complete-h-actual_savings_yen_per_year")
    assert "削減できた金額（職員の時間以外・円／年）" in report
