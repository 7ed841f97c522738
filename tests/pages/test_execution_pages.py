"""Execution pages (issue 6): the department's board (overdue first, the secretariat's
department selector, 403 for another department's staff), the 実施状況 panel of the proposal
page role by role — start, milestones ticked through htmx, progress, the completion report
with full-width numbers and the effects table — and the home page's items; driven through
the pages with a fixed clock, checked in the database."""

import re
from datetime import date
from types import SimpleNamespace

import pytest
from sqlmodel import Session, col, select

from app import wareki
from app.models import Milestone, ProgressUpdate, Proposal
from app.models.enums import Role, Status
from app.models.types import utcnow
from app.services import execution
from tests.conftest import PageClient
from tests.helpers import form_fields, proposal_in

HX = {"HX-Request": "true"}
TODAY = date(2026, 6, 15)  # 令和8年6月15日


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch) -> None:
    # execution.today() reads the clock through the wareki module.
    monkeypatch.setattr(wareki, "today_jst", lambda: TODAY)


@pytest.fixture
def world(session: Session, make_user, make_department, page_as) -> SimpleNamespace:
    """An author in 住民課; 情報政策課 carries the proposals out (two members); the
    secretariat in 総務課; someone in 税務課; `adopt` makes proposals for a department."""
    residents = make_department(name="住民課", code="A01")
    it = make_department(name="情報政策課", code="A02")
    general = make_department(name="総務課", code="A03")
    tax = make_department(name="税務課", code="A04")
    author = make_user(name="提案 太郎", department=residents)
    doer = make_user(name="実施 花子", department=it)
    colleague = make_user(name="同僚 次郎", department=it)
    clerk = make_user(Role.secretariat, name="事務局 一郎", department=general)
    staff = make_user(name="税務 三郎", department=tax)

    def adopt(
        title: str,
        *,
        status: Status = Status.adopted,
        department=it,
        budget_status: str | None = "not_required",
        **fields,
    ) -> Proposal:
        proposal = proposal_in(session, status, author=author, title=title, **fields)
        proposal.outcome = "adopted"
        proposal.implementing_department_id = department.id
        proposal.budget_status = budget_status
        proposal.decided_at = utcnow()
        if status == Status.in_progress:
            proposal.started_at = utcnow()
            proposal.owner_id = doer.id
        session.add(proposal)
        session.commit()
        session.refresh(proposal)
        return proposal

    def milestone(proposal: Proposal, title: str, due: date, weight: int = 1) -> Milestone:
        return execution.add_milestone(
            session,
            proposal_id=proposal.id,
            user=doer,
            body={"title": title, "due_date": due.isoformat(), "weight": weight},
            expected_version=None,
        )

    return SimpleNamespace(
        it=it,
        general=general,
        tax=tax,
        author=author,
        doer=doer,
        colleague=colleague,
        clerk=clerk,
        staff=staff,
        adopt=adopt,
        milestone=milestone,
        page=page_as,
    )


def current(session: Session, proposal: Proposal) -> Proposal:
    session.expire_all()
    return session.get(Proposal, proposal.id)


def milestones(session: Session, proposal: Proposal) -> list[Milestone]:
    session.expire_all()
    return execution.milestones_of(session, proposal_id=proposal.id)


def updates(session: Session, proposal: Proposal) -> list[ProgressUpdate]:
    session.expire_all()
    return list(
        session.exec(select(ProgressUpdate).where(ProgressUpdate.proposal_id == proposal.id)).all()
    )


def section(html: str, element_id: str) -> str:
    """The markup of the element with this id, up to the end of the first element of the
    same kind that closes after it."""
    start = html.index(f'id="{element_id}"')
    tag = html.rfind("<", 0, start)
    name = re.match(r"<(\w+)", html[tag:]).group(1)
    end = html.find(f"</{name}>", start)
    return html[tag:end]


FORMS = ("start-form", "milestone-form", "progress-form", "complete-form")


def forms_in(html: str) -> set[str]:
    return {name for name in FORMS if f'id="{name}"' in html}


# -- the board ---------------------------------------------------------------------------------


def test_board_lists_the_departments_work_overdue_first(world, session: Session) -> None:
    on_time = world.adopt("窓口予約システム", status=Status.in_progress)
    world.milestone(on_time, "要件定義", date(2026, 5, 1))
    world.milestone(on_time, "本稼働", date(2026, 7, 1), weight=3)
    execution.update_milestone(
        session,
        proposal_id=on_time.id,
        milestone_id=milestones(session, on_time)[0].id,
        user=world.doer,
        body={"done": True},
        expected_version=None,
    )
    late_milestone = world.adopt("会議録の自動作成", status=Status.in_progress)
    world.milestone(late_milestone, "試行", date(2026, 6, 1))
    late_end = world.adopt("公用車の予約管理", status=Status.in_progress)
    late_end.planned_end_date = date(2026, 6, 10)
    session.add(late_end)
    session.commit()
    ready = world.adopt("押印の廃止")  # budget not required: may start
    pending = world.adopt("庁内無線LAN", budget_status="requested")
    elsewhere = world.adopt("税務の電子申請", status=Status.in_progress, department=world.tax)
    done = world.adopt("完了した提案", status=Status.completed)

    page: PageClient = world.page(world.doer)
    response = page.get("/execution")
    assert response.status_code == 200
    html = response.text
    assert "実施状況: 情報政策課" in html
    assert re.search(r'<a href="/execution"\s*aria-current="page">実施状況</a>', html)
    assert elsewhere.title not in html and done.title not in html
    assert 'id="department-select"' not in html  # staff see their own department only

    running = section(html, "board-in-progress")
    order = [running.index(f'id="board-{p.id}"') for p in (late_milestone, late_end, on_time)]
    assert order == sorted(order)  # overdue first, the nearest date first among them
    assert "3件" in running and "うち期限超過 2件" in running
    for late in (late_milestone, late_end):
        row = section(running, f"board-{late.id}")
        assert "row--late" in row and "期限超過" in row
    row = section(running, f"board-{late_milestone.id}")
    assert "試行" in row and "令和8年6月1日" in row
    assert "令和8年6月10日" in section(running, f"board-{late_end.id}")
    row = section(running, f"board-{on_time.id}")
    assert "期限超過" not in row and "row--late" not in row
    # Weights 1 done of 1 + 3: 25 %, as a bar and as text.
    assert '<progress max="100" value="25"' in row and "25%" in row
    assert "本稼働" in row and "令和8年7月1日" in row and "未定" in row
    assert "実施 花子" in row  # the owner

    waiting = section(html, "board-waiting")
    assert "2件" in waiting
    assert "開始できます" in section(waiting, f"board-{ready.id}")
    assert "予算不要" in section(waiting, f"board-{ready.id}")
    row = section(waiting, f"board-{pending.id}")
    assert "予算の判断待ち" in row and "要求中" in row and "開始できます" not in row
    assert ' style="' not in html and "<script>" not in html


def test_secretariat_chooses_a_department_and_staff_only_see_their_own(
    world, session: Session, make_user
) -> None:
    item = world.adopt("窓口予約システム", status=Status.in_progress)

    clerk: PageClient = world.page(world.clerk)
    own = clerk.get("/execution").text
    assert "実施状況: 総務課" in own and item.title not in own
    assert "実施中の提案はありません。" in own
    selector = section(own, "department-select")
    assert f'<option value="{world.it.id}"' in selector and "情報政策課" in selector
    chosen = clerk.get(f"/execution?department_id={world.it.id}").text
    assert "実施状況: 情報政策課" in chosen and item.title in chosen
    assert re.search(rf'<option value="{world.it.id}" selected>', chosen)
    assert clerk.get("/execution?department_id=999999").status_code == 404

    staff: PageClient = world.page(world.staff)
    refused = staff.get(f"/execution?department_id={world.it.id}")
    assert refused.status_code == 403
    assert "他の課の実施状況を見られるのは事務局だけです。" in refused.text
    assert item.title not in refused.text
    assert staff.get(f"/execution?department_id={world.tax.id}").status_code == 200

    loose = make_user(name="所属なし 四郎")
    loose.department_id = None
    session.add(loose)
    session.commit()
    page: PageClient = world.page(loose)
    assert 'href="/execution"' not in page.get("/").text  # no menu item without a department
    response = page.get("/execution")
    assert response.status_code == 200
    assert "所属課が登録されていないため" in section(response.text, "board-no-department")


# -- the proposal page's panel -------------------------------------------------------------------


def test_panel_forms_follow_the_role(world, session: Session) -> None:
    p = world.adopt("窓口予約システム")

    doer: PageClient = world.page(world.doer)
    html = doer.get(f"/proposals/{p.id}").text
    panel = section(html, "execution-panel")
    assert "実施状況" in panel
    assert forms_in(html) == {"start-form", "milestone-form"}
    start = section(html, "start-form")
    assert re.search(rf'<option value="{world.doer.id}" selected>実施 花子</option>', start)
    assert f'<option value="{world.colleague.id}" >同僚 次郎</option>' in start
    assert world.clerk.name not in start  # only the implementing department's members
    assert ' style="' not in html and "<script>" not in html

    clerk: PageClient = world.page(world.clerk)
    html = clerk.get(f"/proposals/{p.id}").text
    assert forms_in(html) == {"start-form", "milestone-form"}
    assert '<option value="" selected>' not in html  # nothing chosen for the secretariat

    version = current(session, p).version
    for user in (world.author, world.staff):
        page: PageClient = world.page(user)
        html = page.get(f"/proposals/{p.id}").text
        assert 'id="execution-panel"' in html and 'id="execution-effects"' in html
        assert forms_in(html) == set()
        started = page.post_form(f"/proposals/{p.id}/start", {"version": version})
        assert started.status_code == 403
        planned = page.post_form(
            f"/proposals/{p.id}/milestones",
            {"title": "設計", "due_date": "2026-07-01", "weight": "1", "version": version},
        )
        assert planned.status_code == 403
        assert "実施担当課の職員と事務局だけが実施状況を記録できます。" in planned.text
    assert current(session, p).status == Status.adopted.value
    assert current(session, p).version == version and milestones(session, p) == []

    # Budget still being decided: the department is told why it cannot start yet.
    pending = world.adopt("庁内無線LAN", budget_status="requested")
    html = doer.get(f"/proposals/{pending.id}").text
    assert forms_in(html) == {"milestone-form"}
    assert 'id="execution-waiting-budget"' in html

    # Before adoption there is no panel.
    draft = proposal_in(session, Status.in_review, author=world.author, title="審査中")
    assert 'id="execution-panel"' not in doer.get(f"/proposals/{draft.id}").text


def test_start_through_the_form(world, session: Session) -> None:
    p = world.adopt("窓口予約システム")
    page: PageClient = world.page(world.doer)
    version = current(session, p).version

    outsider = page.post_form(
        f"/proposals/{p.id}/start",
        {"owner_id": str(world.staff.id), "planned_end_date": "2027-03-31", "version": version},
        headers=HX,
    )
    assert outsider.status_code == 422
    assert outsider.text.lstrip().startswith('<form id="start-form"')
    assert 'id="start-e-owner_id"' in outsider.text
    assert "担当者は実施担当課の在職中の職員から選んでください。" in outsider.text
    assert 'value="2027-03-31"' in outsider.text  # what was typed stays
    assert current(session, p).status == Status.adopted.value
    assert current(session, p).version == version

    started = page.post_form(
        f"/proposals/{p.id}/start",
        {"owner_id": str(world.colleague.id), "planned_end_date": "2027-03-31", "version": version},
    )
    assert started.status_code == 303, started.text
    assert started.headers["location"] == f"/proposals/{p.id}"
    saved = current(session, p)
    assert saved.status == Status.in_progress.value
    assert saved.owner_id == world.colleague.id and saved.planned_end_date == date(2027, 3, 31)

    html = page.get(f"/proposals/{p.id}").text
    assert "実施を開始しました。" in html
    assert section(html, "execution-owner").endswith("同僚 次郎")
    assert "令和9年3月31日" in section(html, "execution-planned-end")
    assert forms_in(html) == {"milestone-form", "progress-form", "complete-form"}
    assert "進捗 未報告" in section(html, "execution-state")
    assert "実施開始" in section(html, "timeline")

    # Starting again is a message at the top, not a change.
    again = page.post_form(f"/proposals/{p.id}/start", {"version": saved.version}, headers=HX)
    assert again.status_code == 204 and again.headers["HX-Redirect"] == f"/proposals/{p.id}"
    assert 'class="flash flash--error"' in page.get(f"/proposals/{p.id}").text
    assert current(session, p).version == saved.version


def test_milestones_are_added_ticked_through_htmx_and_deleted(world, session: Session) -> None:
    p = world.adopt("窓口予約システム", status=Status.in_progress)
    page: PageClient = world.page(world.doer)

    blank = page.post_form(
        f"/proposals/{p.id}/milestones",
        {"title": "", "due_date": "2026-07-01", "weight": "1", "version": p.version},
        headers=HX,
    )
    assert blank.status_code == 422
    assert blank.text.lstrip().startswith('<form id="milestone-form"')
    assert 'id="milestone-e-title"' in blank.text and "必須項目です。" in blank.text
    heavy = page.post_form(
        f"/proposals/{p.id}/milestones",
        {"title": "設計", "due_date": "2026-07-01", "weight": "101", "version": p.version},
    )
    assert heavy.status_code == 422 and "<html" in heavy.text
    assert 'id="milestone-e-weight"' in heavy.text and "100以下の値" in heavy.text
    assert milestones(session, p) == []

    added = page.post_form(
        f"/proposals/{p.id}/milestones",
        {"title": "設計", "due_date": "2026-06-01", "weight": "３", "version": p.version},
    )
    assert added.status_code == 303, added.text
    version = current(session, p).version
    added = page.post_form(
        f"/proposals/{p.id}/milestones",
        {"title": "本稼働", "due_date": "2026-09-30", "version": version},
        headers=HX,
    )
    assert added.status_code == 204 and added.headers["HX-Redirect"] == f"/proposals/{p.id}"
    design, launch = milestones(session, p)
    assert (design.title, design.weight, launch.weight) == ("設計", 3, 1)
    html = page.get(f"/proposals/{p.id}").text
    assert "マイルストーン「設計」を追加しました。" in html
    assert "期限超過" in section(html, f"milestone-{design.id}")  # due 令和8年6月1日
    assert 'id="execution-overdue"' in html and "0%" in section(html, "execution-state")

    ticked = page.post_form(
        f"/proposals/{p.id}/milestones/{design.id}",
        {"done": "true", "version": current(session, p).version},
        headers=HX,
    )
    assert ticked.status_code == 200, ticked.text
    fragment = ticked.text.lstrip()
    assert fragment.startswith('<section id="execution-panel"') and "<html" not in fragment
    assert "「設計」を完了にしました。" in fragment
    assert "完了（令和8年6月15日）" in section(fragment, f"milestone-{design.id}")
    assert '<progress max="100" value="75"' in fragment and "75%" in fragment
    assert 'id="execution-overdue"' not in fragment
    assert milestones(session, p)[0].done_on == TODAY
    assert current(session, p).progress_percent == 75

    unticked = page.post_form(
        f"/proposals/{p.id}/milestones/{design.id}",
        {"done": "false", "version": current(session, p).version},
        headers=HX,
    )
    assert unticked.status_code == 200
    assert "「設計」を未完了に戻しました。" in unticked.text and "0%" in unticked.text
    assert milestones(session, p)[0].done_on is None

    # Without JavaScript: a plain post and back to the page.
    deleted = page.post_form(
        f"/proposals/{p.id}/milestones/{launch.id}/delete",
        {"version": current(session, p).version},
    )
    assert deleted.status_code == 303 and deleted.headers["location"] == f"/proposals/{p.id}"
    assert [m.title for m in milestones(session, p)] == ["設計"]
    html = page.get(f"/proposals/{p.id}").text
    assert "マイルストーンを削除しました。" in html
    timeline = section(html, "timeline")
    for label in ("マイルストーンの追加", "マイルストーンの完了", "マイルストーンの削除"):
        assert label in timeline

    # The author sees the milestones but cannot tick them.
    author: PageClient = world.page(world.author)
    html = author.get(f"/proposals/{p.id}").text
    assert (
        "設計" in section(html, "milestones") and f'id="milestone-{design.id}-toggle"' not in html
    )
    refused = author.post_form(
        f"/proposals/{p.id}/milestones/{design.id}", {"done": "true"}, headers=HX
    )
    assert refused.status_code == 403 and refused.headers["HX-Retarget"] == "#flash"
    assert milestones(session, p)[0].done_on is None

    # The secretariat may plan too.
    clerk: PageClient = world.page(world.clerk)
    planned = clerk.post_form(
        f"/proposals/{p.id}/milestones",
        {"title": "効果測定", "due_date": "2027-03-31", "weight": "2"},
    )
    assert planned.status_code == 303
    assert [m.title for m in milestones(session, p)] == ["設計", "効果測定"]


def test_progress_out_of_range_comes_back_inline_and_writes_nothing(
    world, session: Session
) -> None:
    p = world.adopt("窓口予約システム", status=Status.in_progress)
    page: PageClient = world.page(world.doer)
    version = current(session, p).version

    over = page.post_form(
        f"/proposals/{p.id}/progress",
        {"percent": "101", "note": "前倒しで進んでいる", "version": version},
        headers=HX,
    )
    assert over.status_code == 422
    assert over.text.lstrip().startswith('<form id="progress-form"')
    assert 'id="progress-e-percent"' in over.text and 'aria-invalid="true"' in over.text
    assert "100以下の値を入力してください。" in over.text
    assert "前倒しで進んでいる" in over.text  # the note typed stays
    plain = page.post_form(f"/proposals/{p.id}/progress", {"percent": "-1", "version": version})
    assert plain.status_code == 422 and "<html" in plain.text
    assert "0以上の値を入力してください。" in section(plain.text, "progress-form")
    assert updates(session, p) == [] and current(session, p).version == version

    reported = page.post_form(
        f"/proposals/{p.id}/progress",
        {"percent": "６０％", "note": "端末の設置が終わった", "version": version},
    )
    assert reported.status_code == 303, reported.text
    [update] = updates(session, p)
    assert update.percent == 60 and update.author_id == world.doer.id
    assert current(session, p).progress_percent == 60

    author: PageClient = world.page(world.author)
    html = author.get(f"/proposals/{p.id}").text
    assert '<progress max="100" value="60"' in section(html, "execution-state")
    history = section(html, "progress-updates")
    assert "60%" in history and "端末の設置が終わった" in history and "実施 花子" in history
    assert forms_in(html) == set()
    refused = author.post_form(f"/proposals/{p.id}/progress", {"percent": "90"})
    assert refused.status_code == 403 and len(updates(session, p)) == 1

    # Not started yet: the status refuses it, said at the top of the page.
    waiting = world.adopt("押印の廃止")
    early = page.post_form(
        f"/proposals/{waiting.id}/progress",
        {"percent": "10", "version": current(session, waiting).version},
    )
    assert early.status_code == 303
    html = page.get(f"/proposals/{waiting.id}").text
    assert "進捗を報告できるのは実施中の提案だけです" in html
    assert updates(session, waiting) == []


def test_completion_with_full_width_numbers_and_the_effects_table(world, session: Session) -> None:
    p = world.adopt(
        "窓口予約システム",
        status=Status.in_progress,
        estimated_cost_yen=500_000,
        estimated_hours_saved_per_year_hours=200,
        estimated_savings_yen_per_year=100_000,
    )
    p.target_hours_saved_per_year_hours = 150
    p.target_savings_yen_per_year = 80_000
    session.add(p)
    session.commit()
    page: PageClient = world.page(world.doer)
    version = current(session, p).version
    form = {
        "report": "予約システムを導入し、窓口の待ち時間を短縮した。",
        "actual_cost_yen": "４８０，０００円",
        "actual_hours_saved_per_year_hours": "１２０時間",
        "actual_savings_yen_per_year": "９０，０００円",
        "measured_on": "2026-06-01",
        "version": version,
    }

    future = page.post_form(
        f"/proposals/{p.id}/complete", {**form, "measured_on": "2026-06-16"}, headers=HX
    )
    assert future.status_code == 422
    assert future.text.lstrip().startswith('<form id="complete-form"')
    assert 'id="complete-e-measured_on"' in future.text
    assert "効果の測定日に未来の日付は指定できません。" in future.text
    assert "４８０，０００円" in future.text
    missing = page.post_form(
        f"/proposals/{p.id}/complete", {**form, "report": "  ", "actual_cost_yen": ""}, headers=HX
    )
    assert missing.status_code == 422
    assert 'id="complete-e-report"' in missing.text
    assert 'id="complete-e-actual_cost_yen"' in missing.text
    assert current(session, p).status == Status.in_progress.value
    assert current(session, p).version == version

    # The first post only asks, with the report as it will be filed (no JavaScript).
    asked = page.post_form(f"/proposals/{p.id}/complete", form)
    assert asked.status_code == 200 and "完了報告の確認" in asked.text
    for fact in ("実施中 → 完了", "480,000円", "120時間", "90,000円", "令和8年6月1日"):
        assert fact in asked.text, fact
    assert current(session, p).version == version
    action, fields = form_fields(asked.text, "confirm-complete")
    assert action == f"/proposals/{p.id}/complete" and fields["report"] == form["report"]
    # With htmx, "戻って修正する" gives the form back as typed.
    again = page.post_form(f"/proposals/{p.id}/complete", {**fields, "edit": "1"}, headers=HX)
    assert again.text.lstrip().startswith('<form id="complete-form"')
    assert "４８０，０００円" in again.text
    assert current(session, p).status == Status.in_progress.value
    # Someone else's role cannot even be asked: the author is refused (403) as before.
    refused = world.page(world.author).post_form(f"/proposals/{p.id}/complete", fields)
    assert refused.status_code == 403

    done = page.post_form(f"/proposals/{p.id}/complete", fields)
    assert done.status_code == 303, done.text
    saved = current(session, p)
    assert saved.status == Status.completed.value
    assert saved.actual_cost_yen == 480_000 and saved.actual_savings_yen_per_year == 90_000
    assert saved.actual_hours_saved_per_year_hours == 120
    assert saved.effect_measured_on == date(2026, 6, 1) and saved.progress_percent == 100

    html = page.get(f"/proposals/{p.id}").text
    assert "完了報告を登録しました。" in html
    assert forms_in(html) == set()

    author: PageClient = world.page(world.author)
    html = author.get(f"/proposals/{p.id}").text
    assert "窓口の待ち時間を短縮した" in section(html, "completion-report")
    assert "令和8年6月1日" in section(html, "execution-measured-on")
    assert "100%" in section(html, "execution-state")
    effects = section(html, "execution-effects")
    assert "人件費換算 1時間あたり4,000円" in effects

    def cells(row_id: str) -> list[str]:
        return re.findall(r'<td class="num">([^<]*)</td>', section(effects, row_id))

    # hours × 4,000 yen, and the yearly total = savings + hours in yen (cost is one-off).
    assert cells("effects-estimated") == [
        "500,000円",
        "200時間",
        "800,000円",
        "100,000円",
        "900,000円",
    ]
    assert cells("effects-target") == ["—", "150時間", "600,000円", "80,000円", "680,000円"]
    assert cells("effects-actual") == [
        "480,000円",
        "120時間",
        "480,000円",
        "90,000円",
        "570,000円",
    ]
    assert "見込み（提案者）" in effects and "実績（完了報告）" in effects


def test_completion_form_only_where_complete_is_allowed(world, session: Session) -> None:
    adopted = world.adopt("押印の廃止")
    reported = world.adopt("実施済みの改善", already_implemented=True)
    page: PageClient = world.page(world.doer)
    assert "complete-form" not in forms_in(page.get(f"/proposals/{adopted.id}").text)
    assert "complete-form" in forms_in(page.get(f"/proposals/{reported.id}").text)
    refused = page.post_form(
        f"/proposals/{adopted.id}/complete",
        {
            "report": "実施した",
            "actual_cost_yen": "0",
            "actual_hours_saved_per_year_hours": "0",
            "actual_savings_yen_per_year": "0",
        },
    )
    assert refused.status_code == 303
    assert "実施済み報告の場合にだけ完了にできます" in page.get(f"/proposals/{adopted.id}").text
    assert current(session, adopted).status == Status.adopted.value


# -- home ------------------------------------------------------------------------------------------


def test_home_lists_the_departments_execution_items(world, session: Session) -> None:
    late = world.adopt("会議録の自動作成", status=Status.in_progress)
    world.milestone(late, "試行", date(2026, 6, 1))
    soon = world.adopt("窓口予約システム", status=Status.in_progress)
    world.milestone(soon, "端末設置", date(2026, 6, 20))
    world.milestone(soon, "研修", date(2026, 6, 22))
    world.milestone(soon, "本稼働", date(2026, 9, 1))  # beyond the week
    world.adopt("押印の廃止")
    world.adopt("庁内無線LAN", budget_status="requested")

    page: PageClient = world.page(world.doer)
    html = page.get("/").text
    items = dict(
        re.findall(
            r'<a class="card card--link" href="/execution"><strong>([^<]+)</strong>'
            r'<span class="waiting__count">(\d+)件</span>',
            html,
        )
    )
    assert items == {
        "期限超過の実施案件": "1",
        "1週間以内に期限のマイルストーン": "2",
        "開始待ちの採用提案": "2",
    }
    author: PageClient = world.page(world.author)
    assert 'href="/execution"><strong>' not in author.get("/").text
    assert session.exec(select(Milestone).where(col(Milestone.done_on).is_not(None))).all() == []


# -- one source of progress; completion asks about open milestones (issue 17, item 6) ---------


def test_with_milestones_the_progress_form_takes_no_percent(world, session: Session) -> None:
    p = world.adopt("窓口予約システム", status=Status.in_progress)
    first = world.milestone(p, "端末の設置", date(2026, 6, 1))
    world.milestone(p, "全庁への周知", date(2026, 7, 1), weight=2)
    execution.update_milestone(
        session,
        proposal_id=p.id,
        milestone_id=first.id,
        user=world.doer,
        body={"done": True},
        expected_version=None,
    )
    page: PageClient = world.page(world.doer)
    form = section(page.get(f"/proposals/{p.id}").text, "progress-form")
    assert 'name="percent"' not in form
    assert "現在 33%" in section(form, "progress-derived")

    version = current(session, p).version
    tampered = page.post_form(
        f"/proposals/{p.id}/progress",
        {"percent": "30", "note": "三割ほど", "version": version},
        headers=HX,
    )
    assert tampered.status_code == 422
    assert tampered.text.lstrip().startswith('<form id="progress-form"')
    assert "33%" in section(tampered.text, "progress-e-percent")
    assert updates(session, p) == [] and current(session, p).version == version

    reported = page.post_form(
        f"/proposals/{p.id}/progress", {"note": "端末の設置が終わった", "version": version}
    )
    assert reported.status_code == 303, reported.text
    [update] = updates(session, p)
    assert update.percent == 33 == current(session, p).progress_percent
    html = world.page(world.author).get(f"/proposals/{p.id}").text
    assert '<progress max="100" value="33"' in section(html, "execution-state")
    assert "33%" in section(html, "progress-updates")

    # Without milestones the percentage is typed, and required.
    plain = world.adopt("押印の廃止", status=Status.in_progress)
    html = page.get(f"/proposals/{plain.id}").text
    assert 'name="percent"' in section(html, "progress-form")
    blank = page.post_form(
        f"/proposals/{plain.id}/progress",
        {"note": "進めている", "version": current(session, plain).version},
        headers=HX,
    )
    assert blank.status_code == 422
    assert "進捗率を入力してください" in section(blank.text, "progress-e-percent")
    assert updates(session, plain) == []


def test_completion_page_asks_about_the_open_milestones(world, session: Session) -> None:
    p = world.adopt("窓口予約システム", status=Status.in_progress)
    done = world.milestone(p, "端末の設置", date(2026, 6, 1))
    open_one = world.milestone(p, "全庁への周知", date(2026, 7, 1))
    execution.update_milestone(
        session,
        proposal_id=p.id,
        milestone_id=done.id,
        user=world.doer,
        body={"done": True},
        expected_version=None,
    )
    for user in (world.doer, world.colleague, world.clerk):
        form = section(world.page(user).get(f"/proposals/{p.id}").text, "complete-form")
        asked = section(form, "complete-open-milestones")
        assert "未完了のマイルストーンが1件あります" in asked
        assert f'id="open-milestone-{open_one.id}"' in asked and "全庁への周知" in asked
        assert "端末の設置" not in asked
        assert 'name="close_open_milestones"' in asked

    page: PageClient = world.page(world.doer)
    version = current(session, p).version
    form = {
        "report": "予約システムを導入した。",
        "actual_cost_yen": "0",
        "actual_hours_saved_per_year_hours": "120",
        "actual_savings_yen_per_year": "0",
        "version": version,
    }
    unconfirmed = page.post_form(f"/proposals/{p.id}/complete", form, headers=HX)
    # Not ticked: the form again with the question, not the confirmation step.
    assert unconfirmed.status_code == 422
    assert unconfirmed.text.lstrip().startswith('<form id="complete-form"')
    error = section(unconfirmed.text, "complete-e-close_open_milestones")
    assert "未完了のマイルストーンがあります" in error
    assert "予約システムを導入した。" in unconfirmed.text  # what was typed stays
    assert current(session, p).status == Status.in_progress.value
    assert current(session, p).version == version
    assert [m.done_on for m in milestones(session, p)] == [TODAY, None]

    plain = page.post_form(f"/proposals/{p.id}/complete", form)
    assert plain.status_code == 422 and "complete-e-close_open_milestones" in plain.text
    forged = page.post_form(f"/proposals/{p.id}/complete", {**form, "confirmed": "1"})
    assert forged.status_code == 422 and current(session, p).status == Status.in_progress.value

    # Someone outside the department and the secretariat: 403 whatever they tick.
    outsider = world.page(world.staff).post_form(
        f"/proposals/{p.id}/complete", {**form, "close_open_milestones": "true"}
    )
    assert outsider.status_code == 403
    assert current(session, p).status == Status.in_progress.value

    # Ticked: the next step asks to confirm the report (issue 17 item 7) and carries the
    # answer along; the confirmed post files it.
    asked = page.post_form(f"/proposals/{p.id}/complete", {**form, "close_open_milestones": "true"})
    assert asked.status_code == 200 and "完了報告の確認" in asked.text
    assert current(session, p).status == Status.in_progress.value
    _action, fields = form_fields(asked.text, "confirm-complete")
    assert fields["close_open_milestones"] == "true"
    confirmed = page.post_form(f"/proposals/{p.id}/complete", fields)
    assert confirmed.status_code == 303, confirmed.text
    saved = current(session, p)
    assert (saved.status, saved.progress_percent) == (Status.completed.value, 100)
    assert [m.done_on for m in milestones(session, p)] == [TODAY, TODAY]
    html = world.page(world.author).get(f"/proposals/{p.id}").text
    assert "完了報告と同時に完了としたマイルストーン: 全庁への周知" in html
    assert "未完了" not in section(html, "milestones")

    # Nothing open: no question on the form.
    calm = world.adopt("押印の廃止", status=Status.in_progress)
    html = page.get(f"/proposals/{calm.id}").text
    assert "complete-open-milestones" not in section(html, "complete-form")
