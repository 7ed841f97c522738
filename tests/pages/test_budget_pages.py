"""Finance pages (issue 5): the queue by fiscal year with its request deadline and what is
late, the request / approval / denial forms of the proposal page (full-width yen), the
fiscal year's totals by initiative and by department, the exports, and who may see what —
driven through the pages (and the API for setting up), checked in the database."""

import csv
import io
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from app.main import create_app
from app.models import BudgetRecord, Initiative, Proposal
from app.models.enums import Role, Status
from app.models.types import utcnow
from app.services import budget as budget_service
from app.wareki import fiscal_year_label, fiscal_year_of, today_jst, wareki_date
from tests.conftest import PASSWORD, PageClient, csrf_from
from tests.helpers import proposal_in

HX = {"HX-Request": "true"}
FY = fiscal_year_of(today_jst())  # the current fiscal year
BOM = b"\xef\xbb\xbf"
HEADERS = [
    "年度",
    "提案番号",
    "件名",
    "DX取組み",
    "実施担当課",
    "予算区分",
    "予算科目",
    "財源",
    "要求額（円）",
    "措置額（円）",
    "状態",
    "備考",
]


@pytest.fixture
def world(session: Session, make_user, make_department, page_as, api_as) -> SimpleNamespace:
    """An author in 住民課, two implementing departments, finance, the secretariat, a
    reviewer and another member of staff; `adopt` makes adopted proposals."""
    residents = make_department(name="住民課")
    it = make_department(name="情報政策課")
    general = make_department(name="総務課")
    author = make_user(name="提案 太郎", department=residents)
    finance = make_user(Role.finance, name="財政 花子", department=make_department(name="財政課"))
    clerk = make_user(Role.secretariat, name="事務局 一郎", department=general)
    reviewer = make_user(Role.reviewer, name="審査 次郎")
    staff = make_user(name="職員 三郎", department=it)

    def adopt(title: str, *, department=it, initiative: int | None = None, decided_at=None):
        initiative_id = None
        if initiative is not None:
            initiative_id = session.exec(
                select(Initiative.id).where(Initiative.number == initiative)
            ).one()
        proposal = proposal_in(
            session, Status.adopted, author=author, title=title, initiative_id=initiative_id
        )
        proposal.outcome = "adopted"
        proposal.implementing_department_id = department.id
        proposal.decided_at = decided_at or utcnow()
        session.add(proposal)
        session.commit()
        session.refresh(proposal)
        return proposal

    return SimpleNamespace(
        it=it,
        general=general,
        author=author,
        finance=finance,
        clerk=clerk,
        reviewer=reviewer,
        staff=staff,
        adopt=adopt,
        page=page_as,
        api=api_as(finance),
    )


def current(session: Session, proposal: Proposal) -> Proposal:
    session.expire_all()
    return session.get(Proposal, proposal.id)


def records(session: Session, proposal: Proposal) -> list[BudgetRecord]:
    session.expire_all()
    return budget_service.records_of(session, proposal_id=proposal.id)


def request_form(year: int, amount: str = "１，２００，０００円", **extra) -> dict:
    return {
        "required": "true",
        "fiscal_year": str(year),
        "budget_type": "initial",
        "requested_yen": amount,
        "account": "総務費 総務管理費 一般管理費",
        "funding_source": "subsidy",
        "note": "窓口端末の購入",
        **extra,
    }


def api_request(world, proposal: Proposal, year: int, amount: int | None, **extra) -> None:
    body = {"required": amount is not None, "fiscal_year": year, **extra}
    if amount is not None:
        body["requested_yen"] = amount
    response = world.api.put(f"/api/v1/proposals/{proposal.id}/budget", json=body)
    assert response.status_code == 200, response.text


def section(html: str, element_id: str) -> str:
    """The markup of the element with this id, up to the next element of the same kind."""
    start = html.index(f'id="{element_id}"')
    tag = html.rfind("<", 0, start)
    name = re.match(r"<(\w+)", html[tag:]).group(1)
    end = html.find(f"</{name}>", start)
    return html[tag:end]


def test_queue_groups_adopted_proposals_by_fiscal_year_with_deadlines_and_late_ones(
    world, session: Session, settings, db_engine
) -> None:
    two_years_ago = utcnow() - timedelta(days=730)
    late = world.adopt("古い採用提案（予算未登録）", decided_at=two_years_ago)
    late_year = fiscal_year_of(two_years_ago) + 1  # nothing recorded: the year after
    ahead = world.adopt("来々年度の当初予算")
    api_request(world, ahead, FY + 2, 900_000)
    supplementary = world.adopt("補正予算で要求")
    api_request(world, supplementary, FY + 2, 300_000, budget_type="supplementary")
    not_needed = world.adopt("予算の要らない提案")
    api_request(world, not_needed, FY + 1, None)
    funded = world.adopt("措置済みの提案")
    api_request(world, funded, FY + 1, 100_000)
    assert (
        world.api.post(
            f"/api/v1/proposals/{funded.id}/budget/approve", json={"approved_yen": 100_000}
        ).status_code
        == 200
    )
    proposal_in(session, Status.in_review, author=world.author, title="審査中の提案")

    page: PageClient = world.page(world.finance)
    response = page.get("/budget")
    assert response.status_code == 200
    html = response.text
    assert "3件" in html
    for title in ("予算の要らない提案", "措置済みの提案", "審査中の提案"):
        assert title not in html
    # Earliest year first, labelled in 和暦.
    first = html.index(f'id="budget-fy-{late_year}"')
    second = html.index(f'id="budget-fy-{FY + 2}"')
    assert first < second

    old = section(html, f"budget-fy-{late_year}")
    assert fiscal_year_label(late_year) in old
    assert "当初予算の要求期限" in old and wareki_date(date(late_year - 1, 11, 30)) in old
    assert old.count("期限超過") == 2  # the group's marker and the row's
    row = section(old, f"queue-{late.id}")
    assert "row--late" in row and "期限超過" in row and "未登録" in row

    later = section(html, f"budget-fy-{FY + 2}")
    assert fiscal_year_label(FY + 2) in later
    assert wareki_date(date(FY + 1, 11, 30)) in later and "期限超過" not in later
    assert "900,000円" in section(later, f"queue-{ahead.id}")
    assert "要求中・当初予算" in section(later, f"queue-{ahead.id}")
    supplementary_row = section(later, f"queue-{supplementary.id}")
    assert "補正予算" in supplementary_row and "次の定例会" in supplementary_row
    assert f'href="/budget/{FY + 2}"' in later
    assert f'href="/api/v1/exports/budget.csv?fiscal_year={FY + 1}"' in html
    assert f'href="/api/v1/exports/budget.xlsx?fiscal_year={FY + 1}"' in html
    assert ' style="' not in html and "<script>" not in html

    # The deadline is a setting: another day of the year before shows in the queue.
    other = create_app(
        settings.model_copy(update={"budget_request_deadline": "06-30"}), engine=db_engine
    )
    with PageClient(other) as client:
        token = csrf_from(client.get("/login").text)
        client.post(
            "/login",
            data={"email": world.finance.email, "password": PASSWORD, "csrf_token": token},
        )
        moved = client.get("/budget").text
    assert wareki_date(date(FY + 1, 6, 30)) in section(moved, f"budget-fy-{FY + 2}")


def test_finance_requests_then_approves_with_full_width_digits(world, session: Session) -> None:
    p = world.adopt("窓口予約システムの導入", initiative=1)
    page: PageClient = world.page(world.finance)
    home = page.get("/").text
    assert "予算の判断待ち" in home and 'href="/budget"' in home
    assert re.search(r'<a href="/budget"\s*>予算</a>', home)  # the menu

    detail = page.get(f"/proposals/{p.id}").text
    assert 'id="budget-panel"' in detail and 'id="budget-request-form"' in detail
    assert 'id="budget-approve-form"' not in detail and 'id="budget-deny-form"' not in detail
    first, last = budget_service.year_window()
    assert f'<option value="{first}"' in detail and f'<option value="{last}"' in detail
    assert f'<option value="{first - 1}"' not in detail
    assert f'<option value="{last + 1}"' not in detail
    assert ' style="' not in detail and "<script>" not in detail

    saved = page.post_form(
        f"/proposals/{p.id}/budget",
        {**request_form(FY + 1), "version": current(session, p).version},
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/proposals/{p.id}"
    [record] = records(session, p)
    assert record.requested_yen == 1_200_000 and record.status == "requested"
    assert record.fiscal_year == FY + 1 and record.funding_source == "subsidy"
    assert current(session, p).status == Status.adopted.value

    detail = page.get(f"/proposals/{p.id}").text
    assert "予算要求を登録しました" in detail and "1,200,000円" in detail
    assert "要求中" in detail and "国・県補助" in detail and "総務費 総務管理費" in detail
    assert 'id="budget-approve-form"' in detail and 'id="budget-deny-form"' in detail
    assert 'value="1,200,000"' in detail  # the approval starts at the amount requested

    approved = page.post_form(
        f"/proposals/{p.id}/budget/approve",
        {"approved_yen": "１，２００，０００", "version": current(session, p).version},
    )
    assert approved.status_code == 303, approved.text
    assert current(session, p).status == Status.budgeted.value
    [record] = records(session, p)
    assert record.approved_yen == 1_200_000 and record.status == "approved"
    assert record.decided_by_id == world.finance.id

    detail = page.get(f"/proposals/{p.id}").text
    assert "予算を措置しました（措置額 1,200,000円）" in detail
    assert "予算化済み" in detail and "措置済み" in detail and "財政 花子" in detail
    assert 'id="budget-request-form"' not in detail and 'id="budget-approve-form"' not in detail
    assert "予算の承認" in detail and "予算の登録" in detail  # the timeline names both
    assert "予算の判断待ち" not in page.get("/").text

    year = page.get(f"/budget/{FY + 1}").text
    assert "窓口予約システムの導入" in year
    overall = section(year, "total-overall")
    assert "1件" in overall and overall.count("1,200,000円") == 2


def test_bad_amounts_and_years_come_back_inline_and_write_nothing(world, session: Session) -> None:
    p = world.adopt("文書管理システムの導入")
    page: PageClient = world.page(world.finance)
    version = current(session, p).version

    outside = page.post_form(
        f"/proposals/{p.id}/budget",
        {**request_form(FY + 9), "version": version},
        headers=HX,
    )
    assert outside.status_code == 422
    assert outside.text.lstrip().startswith('<form id="budget-request-form"')
    assert (
        'id="budget-e-fiscal_year"' in outside.text and "の範囲で指定してください" in outside.text
    )
    assert "１，２００，０００円" in outside.text  # what was typed stays

    negative = page.post_form(
        f"/proposals/{p.id}/budget", {**request_form(FY + 1, "-5"), "version": version}, headers=HX
    )
    assert negative.status_code == 422 and 'id="budget-e-requested_yen"' in negative.text
    missing = page.post_form(
        f"/proposals/{p.id}/budget", {**request_form(FY + 1, ""), "version": version}, headers=HX
    )
    assert missing.status_code == 422
    assert "予算が必要な場合は要求額を入力してください。" in missing.text
    assert records(session, p) == [] and current(session, p).version == version

    api_request(world, p, FY + 1, 2_000_000)
    version = current(session, p).version
    zero = page.post_form(
        f"/proposals/{p.id}/budget/approve", {"approved_yen": "０", "version": version}, headers=HX
    )
    assert zero.status_code == 422
    assert zero.text.lstrip().startswith('<form id="budget-approve-form"')
    assert 'id="budget-e-approved_yen"' in zero.text and 'aria-invalid="true"' in zero.text
    plain = page.post_form(
        f"/proposals/{p.id}/budget/approve", {"approved_yen": "0", "version": version}
    )
    assert plain.status_code == 422 and "<html" in plain.text
    [record] = records(session, p)
    assert record.status == "requested" and record.approved_yen is None
    assert current(session, p).status == Status.adopted.value
    assert current(session, p).version == version

    # A stale form is a flash error, not a change.
    stale = page.post_form(
        f"/proposals/{p.id}/budget/approve", {"approved_yen": "100", "version": version - 1}
    )
    assert stale.status_code == 303
    assert "他の人が先に更新しました" in page.get(f"/proposals/{p.id}").text
    assert records(session, p)[0].status == "requested"

    # Marking it not required: nothing waits any more and the proposal may start.
    not_needed = page.post_form(
        f"/proposals/{p.id}/budget",
        {"required": "false", "fiscal_year": str(FY + 1), "version": version},
    )
    assert not_needed.status_code == 303, not_needed.text
    detail = page.get(f"/proposals/{p.id}").text
    assert "予算不要として登録しました" in detail and "予算不要" in detail
    assert 'id="budget-approve-form"' not in detail
    assert records(session, p)[0].requested_yen is None


def test_deny_keeps_the_proposal_adopted_and_it_may_be_requested_again(
    world, session: Session
) -> None:
    p = world.adopt("公用車の予約管理")
    page: PageClient = world.page(world.finance)
    page.post_form(
        f"/proposals/{p.id}/budget",
        {**request_form(FY + 1, "800,000"), "version": current(session, p).version},
    )
    blank = page.post_form(f"/proposals/{p.id}/budget/deny", {"reason": "  "}, headers=HX)
    assert blank.status_code == 422
    assert blank.text.lstrip().startswith('<form id="budget-deny-form"')
    assert 'id="budget-e-reason"' in blank.text and "理由を入力してください。" in blank.text
    assert records(session, p)[0].status == "requested"

    reason = "財源の見込みが立たないため今年度は見送る。"
    denied = page.post_form(f"/proposals/{p.id}/budget/deny", {"reason": reason})
    assert denied.status_code == 303, denied.text
    assert current(session, p).status == Status.adopted.value
    [record] = records(session, p)
    assert record.status == "denied" and record.approved_yen == 0

    detail = page.get(f"/proposals/{p.id}").text
    assert "予算要求を見送りとしました" in detail and "見送り" in detail
    head = detail.split('id="budget-panel"')[0]
    assert "status--adopted" in head and reason in detail and "予算の見送り" in detail
    # Requested again: the form starts at the next year and refuses the same one.
    form = section(detail, "budget-request-form")
    assert re.search(rf'<option value="{FY + 2}" selected>', form)
    same = page.post_form(
        f"/proposals/{p.id}/budget",
        {**request_form(FY + 1), "version": current(session, p).version},
        headers=HX,
    )
    assert same.status_code == 422 and "より後の年度で要求し直してください" in same.text
    again = page.post_form(
        f"/proposals/{p.id}/budget",
        {**request_form(FY + 2), "version": current(session, p).version},
        headers=HX,
    )
    assert again.status_code == 204, again.text  # htmx follows HX-Redirect
    assert again.headers["HX-Redirect"] == f"/proposals/{p.id}"
    detail = page.get(f"/proposals/{p.id}").text
    history = section(detail, "budget-history")
    assert history.count('<tr id="budget-record-') == 2
    assert "見送り" in history and "要求中" in history
    assert fiscal_year_label(FY + 1) in history and fiscal_year_label(FY + 2) in history


def budget_year(world) -> SimpleNamespace:
    """Three records for next year (approved, reduced, denied), one for the year after and
    one not required — set up through the API."""
    a = world.adopt("窓口予約システム", initiative=1, department=world.it)
    b = world.adopt("庁内掲示の電子化", department=world.general)
    c = world.adopt("会議録の自動作成", initiative=1, department=world.it)
    d = world.adopt("翌々年度の案件", initiative=2, department=world.general)
    e = world.adopt("予算不要の案件", initiative=2, department=world.it)
    api_request(world, a, FY + 1, 1_200_000, account="総務費")
    api_request(world, b, FY + 1, 500_000, budget_type="supplementary")
    api_request(world, c, FY + 1, 800_000)
    api_request(world, d, FY + 2, 450_000)
    api_request(world, e, FY + 1, None)
    for proposal, amount in ((a, 1_200_000), (b, 300_000)):
        response = world.api.post(
            f"/api/v1/proposals/{proposal.id}/budget/approve", json={"approved_yen": amount}
        )
        assert response.status_code == 200, response.text
    denied = world.api.post(f"/api/v1/proposals/{c.id}/budget/deny", json={"reason": "財源不足"})
    assert denied.status_code == 200, denied.text
    return SimpleNamespace(a=a, b=b, c=c, d=d, e=e)


def test_year_view_totals_by_initiative_and_department(world, session: Session) -> None:
    made = budget_year(world)
    page: PageClient = world.page(world.finance)
    response = page.get(f"/budget/{FY + 1}")
    assert response.status_code == 200
    html = response.text
    assert f"{fiscal_year_label(FY + 1)}の予算一覧" in html
    for title in ("窓口予約システム", "庁内掲示の電子化", "会議録の自動作成"):
        assert title in html
    assert "翌々年度の案件" not in html and "予算不要の案件" not in html

    # Requested 1,200,000 + 500,000 + 800,000; approved 1,200,000 + 300,000 + 0.
    overall = section(html, "total-overall")
    assert "3件" in overall and "2,500,000円" in overall and "1,500,000円" in overall
    first = session.exec(select(Initiative.id).where(Initiative.number == 1)).one()
    second = session.exec(select(Initiative.id).where(Initiative.number == 2)).one()
    by_first = section(html, f"initiative-{first}")
    assert ">2<" in by_first and "2,000,000円" in by_first and "1,200,000円" in by_first
    none = section(html, "initiative-none")
    assert "なし" in none and "500,000円" in none and "300,000円" in none
    assert "0円" in section(html, f"initiative-{second}")  # every initiative is listed
    assert html.count('<tr id="initiative-') == session.exec(select(Initiative)).all().__len__() + 1
    it_row = section(html, f"department-{world.it.id}")
    assert "情報政策課" in it_row and "2,000,000円" in it_row and "1,200,000円" in it_row
    general_row = section(html, f"department-{world.general.id}")
    assert "総務課" in general_row and "500,000円" in general_row and "300,000円" in general_row

    row_a = section(
        html, f"record-{budget_service.records_of(session, proposal_id=made.a.id)[0].id}"
    )
    assert "1. " in row_a and "情報政策課" in row_a and "当初予算" in row_a and "総務費" in row_a
    assert "一般財源" in row_a and "措置済み" in row_a
    row_b = section(
        html, f"record-{budget_service.records_of(session, proposal_id=made.b.id)[0].id}"
    )
    assert "補正予算" in row_b and "減額して措置" in row_b and "なし" in row_b
    assert "見送り" in section(
        html, f"record-{budget_service.records_of(session, proposal_id=made.c.id)[0].id}"
    )

    # The selector and the API agree with the page.
    assert f'<option value="{FY + 2}"' in html
    chosen = page.get(f"/budget/year?fiscal_year={FY + 2}", follow_redirects=False)
    assert chosen.status_code == 303 and chosen.headers["location"] == f"/budget/{FY + 2}"
    assert "翌々年度の案件" in page.get(f"/budget/{FY + 2}").text
    api = world.api.get(f"/api/v1/budget?fiscal_year={FY + 1}").json()
    assert api["requested_yen_total"] == 2_500_000 and api["approved_yen_total"] == 1_500_000
    assert page.get("/budget/1999").status_code == 422


def test_exports_are_excel_friendly_and_agree(world, session: Session) -> None:
    budget_year(world)
    page: PageClient = world.page(world.finance)
    year = page.get(f"/budget/{FY + 1}").text
    csv_url = f"/api/v1/exports/budget.csv?fiscal_year={FY + 1}"
    xlsx_url = f"/api/v1/exports/budget.xlsx?fiscal_year={FY + 1}"
    assert f'href="{csv_url}"' in year and f'href="{xlsx_url}"' in year

    exported = page.get(csv_url)  # the page session is enough for a GET
    assert exported.status_code == 200
    assert exported.content.startswith(BOM)
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    assert len(rows) == 4
    assert {r[2] for r in rows[1:]} == {"窓口予約システム", "庁内掲示の電子化", "会議録の自動作成"}
    assert all(r[0] == fiscal_year_label(FY + 1) for r in rows[1:])
    by_title = {r[2]: r for r in rows[1:]}
    assert by_title["窓口予約システム"][8:11] == ["1200000", "1200000", "措置済み"]
    assert by_title["庁内掲示の電子化"][5] == "補正予算"

    workbook = page.get(xlsx_url)
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    cells = [
        ["" if value is None else str(value) for value in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    assert cells == rows


def test_only_finance_and_the_secretariat_see_the_budget_pages(world, session: Session) -> None:
    p = world.adopt("ペーパーレス会議")
    api_request(world, p, FY + 1, 600_000)
    for user in (world.staff, world.reviewer, world.author):
        page: PageClient = world.page(user)
        assert page.get("/budget").status_code == 403
        assert page.get(f"/budget/{FY + 1}").status_code == 403
        assert 'href="/budget"' not in page.get("/").text
        detail = page.get(f"/proposals/{p.id}").text
        assert 'id="budget-panel"' in detail and "600,000円" in detail and "要求中" in detail
        for form in ("budget-request-form", "budget-approve-form", "budget-deny-form"):
            assert f'id="{form}"' not in detail
        version = current(session, p).version
        refused = page.post_form(
            f"/proposals/{p.id}/budget/approve", {"approved_yen": "600000", "version": version}
        )
        assert refused.status_code == 403
        assert page.post_form(f"/proposals/{p.id}/budget/deny", {"reason": "x"}).status_code == 403
        assert (
            page.post_form(
                f"/proposals/{p.id}/budget", {**request_form(FY + 1), "version": version}
            ).status_code
            == 403
        )
    [record] = records(session, p)
    assert record.status == "requested" and record.approved_yen is None
    assert current(session, p).status == Status.adopted.value

    desk: PageClient = world.page(world.clerk)
    queue = desk.get("/budget")
    assert queue.status_code == 200 and "ペーパーレス会議" in queue.text
    assert re.search(r'<a href="/budget"\s*aria-current="page">予算</a>', queue.text)
    assert desk.get(f"/budget/{FY + 1}").status_code == 200
    detail = desk.get(f"/proposals/{p.id}").text
    assert 'id="budget-panel"' in detail and 'id="budget-approve-form"' not in detail
    assert "予算の判断待ち" not in desk.get("/").text  # the home count is finance's

    # An adopted proposal without a record shows no panel to those who cannot record.
    bare = world.adopt("記録のない提案")
    assert 'id="budget-panel"' not in world.page(world.staff).get(f"/proposals/{bare.id}").text
    assert (
        session.exec(select(BudgetRecord).where(col(BudgetRecord.proposal_id) == bare.id)).first()
        is None
    )


def test_a_bad_budget_form_from_someone_not_finance_is_403_not_422(world, session) -> None:
    """The page checks who may act before it validates the form, as the API's gate does."""
    p = world.adopt("ペーパーレス会議")
    api_request(world, p, FY + 1, 600_000)
    page: PageClient = world.page(world.staff)
    version = current(session, p).version
    bad_request = {**request_form(FY + 1), "fiscal_year": "来年", "version": version}
    assert page.post_form(f"/proposals/{p.id}/budget", bad_request).status_code == 403
    assert page.post_form(f"/proposals/{p.id}/budget/deny", {"reason": ""}).status_code == 403
    finance: PageClient = world.page(world.finance)
    assert finance.post_form(f"/proposals/{p.id}/budget", bad_request).status_code == 422
    assert finance.post_form(f"/proposals/{p.id}/budget/deny", {"reason": ""}).status_code == 422
    [record] = records(session, p)
    assert record.status == "requested"
