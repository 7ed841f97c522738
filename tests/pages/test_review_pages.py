"""Review and decision pages (issue 4): the reviewer's queue and scoring form, blind review,
the secretariat's reviewers panel and decision form, the ranking, the rubric editor and
notifications — driven through the pages, checked in the database and on other pages."""

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import (
    Notification,
    Proposal,
    Review,
    ReviewAssignment,
    RubricCriterion,
    RubricVersion,
)
from app.models.enums import Role, Status
from app.services.notifications import notify
from app.services.proposals import set_supervisor_opinion
from tests.conftest import PageClient
from tests.helpers import form_fields, proposal_in

HX = {"HX-Request": "true"}
RUBRIC = [
    ("effectiveness", "効果性", 30),
    ("feasibility", "実現性", 20),
    ("economy", "経済性", 15),
    ("originality", "独創性", 15),
    ("applicability", "応用性（横展開）", 10),
    ("effort", "努力度", 10),
]
CODES = [code for code, _label, _weight in RUBRIC]
LEVELS = ["劣る", "やや劣る", "普通", "良い", "特に良い"]
AUTHOR = "提案 太郎"
CO_AUTHOR = "共同 四郎"
SUPERVISOR = "所属長 三郎"
AUTHOR_DEPARTMENT = "住民課"


@pytest.fixture(autouse=True)
def default_rubric(session: Session) -> None:
    """The default rubric of DESIGN.md (in case the per-test clean-up left none)."""
    if session.exec(select(RubricVersion).where(col(RubricVersion.is_current))).first():
        return
    version = RubricVersion(version=1, is_current=True)
    session.add(version)
    session.flush()
    for position, (code, label, weight) in enumerate(RUBRIC):
        session.add(
            RubricCriterion(
                rubric_version_id=version.id,
                position=position,
                code=code,
                label=label,
                weight=weight,
                description=f"{label}の着眼点",
                levels=list(LEVELS),
            )
        )
    session.commit()


def scores(default: int = 4, **levels: int) -> dict[str, str]:
    return {f"score-{code}": str(levels.get(code, default)) for code in CODES}


@pytest.fixture
def world(session: Session, make_user, make_department, api_as, page_as) -> SimpleNamespace:
    """An in-review proposal from 住民課 with a co-author and a supervisor's opinion, the
    secretariat, two reviewers from other departments (assigned through the API) and a
    reviewer who is the author's colleague."""
    department = make_department(name=AUTHOR_DEPARTMENT)
    author = make_user(name=AUTHOR, department=department)
    co_author = make_user(name=CO_AUTHOR, department=department)
    colleague = make_user(Role.reviewer, name="同僚 次郎", department=department)
    supervisor = make_user(Role.supervisor, name=SUPERVISOR, department=department)
    clerk = make_user(Role.secretariat, name="事務局 花子")
    reviewer = make_user(Role.reviewer, name="審査 一郎")
    reviewer2 = make_user(Role.reviewer, name="審査 二郎")
    proposal = proposal_in(
        session,
        Status.in_review,
        author=author,
        co_authors=[co_author],
        title="窓口予約システムの導入",
        estimated_hours_saved_per_year_hours=120,
        estimated_savings_yen_per_year=250_000,
    )
    set_supervisor_opinion(
        session,
        proposal_id=proposal.id,
        user=supervisor,
        body={"opinion": "課として実施に協力する。"},
        expected_version=None,
    )
    assigned = api_as(clerk).put(
        f"/api/v1/proposals/{proposal.id}/reviewers",
        json={"reviewer_ids": [reviewer.id, reviewer2.id]},
    )
    assert assigned.status_code == 200, assigned.text
    return SimpleNamespace(
        department=department,
        author=author,
        colleague=colleague,
        clerk=clerk,
        reviewer=reviewer,
        reviewer2=reviewer2,
        proposal=proposal,
        page=page_as,
    )


def current(session: Session, proposal: Proposal) -> Proposal:
    session.expire_all()
    return session.get(Proposal, proposal.id)


def test_reviewer_scores_through_the_form_and_the_secretariat_sees_the_score(
    world, session: Session
) -> None:
    p = world.proposal
    rev: PageClient = world.page(world.reviewer)
    home = rev.get("/").text
    assert "採点待ちの提案" in home and 'href="/reviews"' in home
    queue = rev.get("/reviews")
    assert queue.status_code == 200
    assert p.title in queue.text and "badge--todo" in queue.text
    assert f'href="/proposals/{p.id}/review"' in queue.text

    form = rev.get(f"/proposals/{p.id}/review")
    assert form.status_code == 200
    html = form.text
    assert html.count('<fieldset class="criterion') == 6
    for _code, label, weight in RUBRIC:
        assert f"<legend>{label} " in html and f"配点 {weight}" in html
    assert 'name="score-effectiveness" value="5"' in html and "特に良い" in html and "劣る" in html
    description = session.exec(
        select(RubricCriterion.description)
        .join(RubricVersion)
        .where(col(RubricVersion.is_current))
        .where(RubricCriterion.code == "effectiveness")
    ).one()
    assert description and description in html and 'id="recuse"' in html
    assert ' style="' not in html and "<script>" not in html  # the CSP forbids inline code

    saved = rev.post_form(
        f"/proposals/{p.id}/review",
        {**scores(4, effectiveness=5), "comment": "効果が大きい"},
        headers=HX,
    )
    assert saved.status_code == 200, saved.text
    assert saved.text.lstrip().startswith('<form id="review-form"')
    # 5/5×30 + 4/5×(20+15+15+10+10) = 30 + 56
    assert "採点を保存しました（合計 86.0点）" in saved.text
    review = session.exec(select(Review).where(Review.proposal_id == p.id)).one()
    assert review.scores == {**dict.fromkeys(CODES, 4), "effectiveness": 5}
    assert review.comment == "効果が大きい" and review.reviewer_id == world.reviewer.id

    again = rev.get(f"/proposals/{p.id}/review").text
    assert re.search(r'name="score-effectiveness" value="5" required\s+checked', again)
    assert re.search(r'name="score-feasibility" value="4" required\s+checked', again)
    assert "効果が大きい</textarea>" in again
    queue = rev.get("/reviews").text
    assert "86.0点" in queue and "badge--todo" not in queue
    assert "採点待ちの提案" not in rev.get("/").text

    desk: PageClient = world.page(world.clerk)
    detail = desk.get(f"/proposals/{p.id}").text
    assert 'id="review-panel"' in detail and "86.0点" in detail
    assert "1／2人" in detail and "審査 一郎" in detail and "効果が大きい" in detail
    assert "評価項目ごとの内訳" in detail and "5.00" in detail


def test_invalid_scores_come_back_inline_and_write_nothing(world, session: Session) -> None:
    p = world.proposal
    rev: PageClient = world.page(world.reviewer)
    form = scores(3, effectiveness=7)
    del form["score-feasibility"]
    response = rev.post_form(f"/proposals/{p.id}/review", form, headers=HX)
    assert response.status_code == 422
    html = response.text
    assert html.lstrip().startswith('<form id="review-form"')
    assert 'id="e-score-effectiveness"' in html and "1から5の整数で採点してください。" in html
    assert 'id="e-score-feasibility"' in html and "すべての評価項目を採点してください。" in html
    assert 'aria-invalid="true"' in html
    assert re.search(r'name="score-economy" value="3" required\s+checked', html)  # kept
    assert session.exec(select(Review)).first() is None
    assert current(session, p).reviews_in == 0

    # Without htmx the whole page comes back, still 422.
    plain = rev.post_form(f"/proposals/{p.id}/review", {"comment": "未入力"})
    assert plain.status_code == 422 and "<html" in plain.text
    assert session.exec(select(Review)).first() is None
    # Only assigned reviewers score: the secretariat sees the proposal but may not score it.
    assert world.page(world.clerk).get(f"/proposals/{p.id}/review").status_code == 403
    assert world.page(world.colleague).get(f"/proposals/{p.id}/review").status_code == 404
    assert world.page(world.author).get("/reviews").status_code == 403


def test_blind_review_hides_authors_and_department_from_the_reviewer(world) -> None:
    p = world.proposal
    rev: PageClient = world.page(world.reviewer)
    pages = {
        "/reviews": rev.get("/reviews").text,
        "form": rev.get(f"/proposals/{p.id}/review").text,
        "detail": rev.get(f"/proposals/{p.id}").text,
    }
    for name, html in pages.items():
        assert p.title in html, name
        for hidden in (AUTHOR, CO_AUTHOR, SUPERVISOR, AUTHOR_DEPARTMENT):
            assert hidden not in html, (name, hidden)
    assert "匿名審査のため" in pages["detail"] and "課として実施に協力する。" in pages["detail"]
    assert 'id="action-review"' in pages["detail"]
    # Filtering the list by department must not tell the department either.
    filtered = rev.get("/proposals", params={"department_id": world.department.id}).text
    assert p.title not in filtered

    desk = world.page(world.clerk).get(f"/proposals/{p.id}").text
    for shown in (AUTHOR, CO_AUTHOR, SUPERVISOR, AUTHOR_DEPARTMENT):
        assert shown in desk
    assert "匿名審査のため" not in desk


def test_assigning_the_authors_colleague_shows_the_conflict_inline(world, session: Session) -> None:
    p = world.proposal
    desk: PageClient = world.page(world.clerk)
    detail = desk.get(f"/proposals/{p.id}").text
    assert 'id="reviewers-form"' in detail and "同僚 次郎" in detail
    version = current(session, p).version
    refused = desk.post_form(
        f"/proposals/{p.id}/reviewers",
        {"reviewer_ids": [str(world.reviewer.id), str(world.colleague.id)], "version": version},
        headers=HX,
    )
    assert refused.status_code == 422
    html = refused.text
    assert html.lstrip().startswith('<section id="review-panel"')
    error = html[html.index('id="e-reviewer_ids"') :]
    assert "同僚 次郎さんは提案者と同じ所属のため、審査委員にできません。" in error
    assigned = session.exec(
        select(ReviewAssignment.reviewer_id)
        .where(ReviewAssignment.proposal_id == p.id)
        .where(col(ReviewAssignment.active))
    ).all()
    assert sorted(assigned) == sorted([world.reviewer.id, world.reviewer2.id])

    kept = desk.post_form(
        f"/proposals/{p.id}/reviewers",
        {"reviewer_ids": [str(world.reviewer.id)], "version": version},
    )
    assert kept.status_code == 303
    assert "審査委員を設定しました" in desk.get(f"/proposals/{p.id}").text
    assert current(session, p).reviewers_assigned == 1
    # Only the secretariat assigns.
    assert (
        world.page(world.reviewer)
        .post_form(f"/proposals/{p.id}/reviewers", {"reviewer_ids": [str(world.reviewer2.id)]})
        .status_code
        == 403
    )


def test_decision_adopts_with_an_award_and_the_author_is_told(
    world, session: Session, make_department
) -> None:
    p = world.proposal
    desk: PageClient = world.page(world.clerk)
    # No completed review yet: the decision is not offered.
    assert 'id="decision-form"' not in desk.get(f"/proposals/{p.id}").text
    world.page(world.reviewer).post_form(f"/proposals/{p.id}/review", scores(4))

    detail = desk.get(f"/proposals/{p.id}").text
    assert 'id="decision-form"' in detail
    for label in ("採用", "一部採用", "保留", "不採用", "最優秀賞", "優秀賞", "佳作", "奨励賞"):
        assert f">{label}</option>" in detail
    version = current(session, p).version
    implementer = make_department(name="情報政策課")
    decision = {
        "outcome": "adopted",
        "reason": "",
        "award": "excellent",
        "implementing_department_id": str(implementer.id),
        "target_hours_saved_per_year_hours": "１，２００",
        "target_savings_yen_per_year": "３０万円",
        "version": version,
    }
    blank = desk.post_form(f"/proposals/{p.id}/decide", decision, headers=HX)
    assert blank.status_code == 422
    assert blank.text.lstrip().startswith('<form id="decision-form"')
    assert 'id="e-reason"' in blank.text and "理由を入力してください。" in blank.text
    assert "１，２００" in blank.text  # what was typed stays
    assert current(session, p).status == Status.in_review.value

    reason = "窓口の待ち時間が大きく減る見込みのため採用とする。"
    # The first post only asks: what will be decided, nothing written yet (no JavaScript).
    asked = desk.post_form(f"/proposals/{p.id}/decide", {**decision, "reason": reason})
    assert asked.status_code == 200 and "審査結果の決定の確認" in asked.text
    assert "<html" in asked.text and 'role="status"' in asked.text
    for fact in ("審査中 → 採用", reason, "優秀賞", "情報政策課", "1,200時間", "300,000円"):
        assert fact in asked.text, fact
    assert current(session, p).status == Status.in_review.value
    assert current(session, p).version == version
    action, fields = form_fields(asked.text, "confirm-decide")
    assert action == f"/proposals/{p.id}/decide" and fields["confirmed"] == "1"
    assert fields["csrf_token"] == desk.csrf and fields["target_savings_yen_per_year"] == "３０万円"
    # With htmx the step replaces the form; "戻って修正する" brings the form back as typed.
    again = desk.post_form(f"/proposals/{p.id}/decide", {**fields, "edit": "1"}, headers=HX)
    assert again.status_code == 200
    assert again.text.lstrip().startswith('<form id="decision-form"') and reason in again.text
    assert current(session, p).status == Status.in_review.value
    # A stale confirmation is refused rather than asked about.
    stale = desk.post_form(f"/proposals/{p.id}/decide", {**fields, "version": "1"})
    assert stale.status_code == 303
    assert current(session, p).status == Status.in_review.value
    # Without the CSRF token even the confirmed post is refused.
    forged = desk.post(f"/proposals/{p.id}/decide", data={**fields, "csrf_token": "x"})
    assert forged.status_code == 403
    assert current(session, p).status == Status.in_review.value

    adopted = desk.post_form(f"/proposals/{p.id}/decide", fields)
    assert adopted.status_code == 303, adopted.text
    decided = current(session, p)
    assert decided.status == Status.adopted.value and decided.outcome == "adopted"
    assert decided.award == "excellent" and decided.implementing_department_id == implementer.id
    assert decided.target_hours_saved_per_year_hours == 1200
    assert decided.target_savings_yen_per_year == 300_000
    assert "審査結果を「採用」と決定しました" in desk.get(f"/proposals/{p.id}").text

    author: PageClient = world.page(world.author)
    home = author.get("/").text
    assert re.search(r'class="notice-badge">1<', home)
    page = author.get(f"/proposals/{p.id}").text
    assert "審査結果: 採用" in page and reason in page and "優秀賞" in page
    assert "情報政策課" in page and "目標（審査結果）" in page
    assert "1,200時間" in page and "300,000円" in page and "120時間" in page
    notices = author.get("/notifications").text
    assert "「窓口予約システムの導入」は採用となりました" in notices and reason in notices
    assert "notification--unread" in notices


def test_reopen_review_from_deferred(world, session: Session) -> None:
    p = world.proposal
    world.page(world.reviewer).post_form(f"/proposals/{p.id}/review", scores(3))
    desk: PageClient = world.page(world.clerk)
    deferred = desk.post_form(
        f"/proposals/{p.id}/decide",
        {"outcome": "deferred", "reason": "来年度の予算と合わせて再検討する。", "confirmed": "1"},
    )
    assert deferred.status_code == 303
    assert current(session, p).status == Status.deferred.value
    author_view = world.page(world.author).get(f"/proposals/{p.id}").text
    assert "審査結果: 保留" in author_view and "来年度の予算と合わせて再検討する。" in author_view
    assert 'id="action-reopen-review"' not in author_view

    detail = desk.get(f"/proposals/{p.id}").text
    assert 'id="action-reopen-review"' in detail and "再審査に戻す" in detail
    assert 'id="decision-form"' not in detail
    reopened = desk.post_form(
        f"/proposals/{p.id}/actions/reopen-review", {"version": current(session, p).version}
    )
    assert reopened.status_code == 303
    proposal = current(session, p)
    assert proposal.status == Status.in_review.value and proposal.outcome is None
    detail = desk.get(f"/proposals/{p.id}").text
    assert "審査中に戻しました" in detail and 'id="decision"' not in detail
    assert 'id="decision-form"' in detail  # the earlier review still counts


def test_ranking_orders_by_score_and_is_for_the_secretariat(
    world, session: Session, make_user, api_as
) -> None:
    first = world.proposal
    author = make_user()
    others = [
        proposal_in(session, Status.in_review, author=author, title=title)
        for title in ("公用車予約の電子化", "議事録作成の自動化")
    ]
    low, flagged = others
    clerk_api = api_as(world.clerk)
    clerk_api.put(
        f"/api/v1/proposals/{low.id}/reviewers", json={"reviewer_ids": [world.reviewer.id]}
    )
    clerk_api.put(
        f"/api/v1/proposals/{flagged.id}/reviewers",
        json={"reviewer_ids": [world.reviewer.id, world.reviewer2.id]},
    )
    rev = world.page(world.reviewer)
    rev2 = world.page(world.reviewer2)
    rev.post_form(f"/proposals/{first.id}/review", scores(5))  # 100
    rev.post_form(f"/proposals/{low.id}/review", scores(3))  # 60
    rev.post_form(f"/proposals/{flagged.id}/review", scores(5))  # 100
    rev2.post_form(f"/proposals/{flagged.id}/review", scores(2))  # 40 → mean 70, spread 60

    desk: PageClient = world.page(world.clerk)
    page = desk.get("/ranking")
    assert page.status_code == 200
    html = page.text
    # `first` has 1 of its 2 reviews (100 so far): listed apart, not ranked above the rest.
    positions = [html.index(t) for t in (flagged.title, low.title, first.title)]
    assert positions == sorted(positions)
    assert "100.0点" in html and "70.0点" in html and "60.0点" in html
    waiting = html[html.index(f'id="incomplete-{first.id}"') :]
    assert "1／2人" in waiting[: waiting.index("</tr>")]
    assert f'id="rank-{first.id}"' not in html
    row = html[html.index(f'id="rank-{flagged.id}"') :]
    row = row[: row.index("</tr>")]
    assert "要協議" in row and "2／2人" in row and f'href="/proposals/{flagged.id}"' in row
    assert f'hx-get="/ranking/{flagged.id}/breakdown"' in row

    only_flagged = desk.get("/ranking", params={"flagged": "true"}, headers=HX)
    assert only_flagged.text.lstrip().startswith('<div id="ranking-results">')
    assert flagged.title in only_flagged.text and first.title not in only_flagged.text
    breakdown = desk.get(f"/ranking/{flagged.id}/breakdown", headers=HX)
    assert breakdown.status_code == 200
    assert breakdown.text.lstrip().startswith("<table")
    assert "効果性" in breakdown.text and "3.50" in breakdown.text  # (5 + 2) / 2

    assert rev.get("/ranking").status_code == 403
    assert world.page(world.author).get("/ranking").status_code == 403
    assert rev.get(f"/ranking/{flagged.id}/breakdown").status_code == 403


def rubric_form(html: str) -> dict[str, str]:
    """The values of the rubric edit form as the page filled them in."""
    data = dict(
        re.findall(r'name="((?:code|label|weight|level)-[\d-]+)" type="text" value="([^"]*)"', html)
    )
    data.update(re.findall(r'name="(description-\d+)" rows="3" maxlength="2000">([^<]*)<', html))
    data["row_count"] = re.search(r'name="row_count" value="(\d+)"', html).group(1)
    return data


def test_rubric_edit_checks_the_weights_and_makes_a_new_version(world, session: Session) -> None:
    p = world.proposal
    world.page(world.reviewer).post_form(f"/proposals/{p.id}/review", scores(4))
    reader = world.page(world.author).get("/rubric")
    assert reader.status_code == 200
    assert "効果性" in reader.text and "特に良い" in reader.text
    assert 'id="rubric-form"' not in reader.text

    desk: PageClient = world.page(world.clerk)
    page = desk.get("/rubric").text
    form = rubric_form(page)
    assert form["row_count"] == "7" and form["code-6"] == "" and form["weight-0"] == "30"

    heavy = desk.post_form("/rubric", {**form, "weight-0": "40"}, headers=HX)
    assert heavy.status_code == 422
    assert heavy.text.lstrip().startswith('<form id="rubric-form"')
    assert "重みの合計は100にしてください。" in heavy.text and "現在の合計: 110" in heavy.text
    assert session.exec(select(func.count()).select_from(RubricVersion)).one() == 1

    new_row = {
        "code-6": "speed",
        "label-6": "迅速性",
        "weight-6": "１０",
        "description-6": "すぐに効果が出るか。",
        **{f"level-6-{n}": text for n, text in enumerate(LEVELS, start=1)},
    }
    saved = desk.post_form("/rubric", {**form, "weight-0": "20", **new_row})
    assert saved.status_code == 303, saved.text
    session.expire_all()
    version = session.exec(select(RubricVersion).where(col(RubricVersion.is_current))).one()
    assert version.version == 2
    criteria = session.exec(
        select(RubricCriterion).where(RubricCriterion.rubric_version_id == version.id)
    ).all()
    assert {c.code: c.weight for c in criteria}["speed"] == 10 and len(criteria) == 7
    after = desk.get("/rubric").text
    assert "第2版として保存しました" in after and "迅速性" in after
    # The review made on version 1 keeps it; the form says it will be redone on version 2.
    review = session.exec(select(Review).where(Review.proposal_id == p.id)).one()
    assert review.rubric_version_id != version.id
    assert (
        "前回の採点は別の版によるものです"
        in world.page(world.reviewer).get(f"/proposals/{p.id}/review").text
    )
    assert world.page(world.reviewer).post_form("/rubric", form).status_code == 403


def test_notifications_list_and_mark_read(world, session: Session, make_user) -> None:
    rev: PageClient = world.page(world.reviewer)
    assert re.search(r'class="notice-badge">1<', rev.get("/").text)
    page = rev.get("/notifications").text
    assert "審査の依頼: 窓口予約システムの導入" in page and "notification--unread" in page
    assert f'href="/proposals/{world.proposal.id}"' in page
    notice = session.exec(
        select(Notification).where(Notification.user_id == world.reviewer.id)
    ).one()
    read = rev.post_form(f"/notifications/{notice.id}/read")
    assert read.status_code == 303
    session.expire_all()
    assert session.get(Notification, notice.id).read_at is not None
    assert "notice-badge" not in rev.get("/").text
    assert "notification--unread" not in rev.get("/notifications").text

    notify(session, user_ids=[world.reviewer.id] * 1, kind="test", title="お知らせ一")
    notify(session, user_ids=[world.reviewer.id], kind="test", title="お知らせ二")
    session.commit()
    assert re.search(r'class="notice-badge">2<', rev.get("/notifications").text)
    assert rev.post_form("/notifications/read-all").status_code == 303
    assert (
        session.exec(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == world.reviewer.id)
            .where(col(Notification.read_at).is_(None))
        ).one()
        == 0
    )
    # Someone else's notification is not found.
    stranger = world.page(make_user())
    assert stranger.post_form(f"/notifications/{notice.id}/read").status_code == 404


def test_reviewer_recuses_with_a_reason(world, session: Session) -> None:
    p = world.proposal
    rev: PageClient = world.page(world.reviewer2)
    blank = rev.post_form(f"/proposals/{p.id}/recuse", {"reason": ""}, headers=HX)
    assert blank.status_code == 422
    assert blank.text.lstrip().startswith('<details id="recuse"')
    assert 'id="e-recuse-reason"' in blank.text
    assert current(session, p).reviewers_assigned == 2

    done = rev.post_form(f"/proposals/{p.id}/recuse", {"reason": "提案者と同じ係にいたため。"})
    assert done.status_code == 303 and done.headers["location"] == "/reviews"
    queue = rev.get("/reviews").text
    assert "この提案の審査を辞退しました" in queue and p.title not in queue
    assignment = session.exec(
        select(ReviewAssignment)
        .where(ReviewAssignment.proposal_id == p.id)
        .where(ReviewAssignment.reviewer_id == world.reviewer2.id)
    ).one()
    assert assignment.recusal_reason == "提案者と同じ係にいたため。"
    assert current(session, p).reviewers_assigned == 1
    panel = world.page(world.clerk).get(f"/proposals/{p.id}").text
    assert "辞退" in panel and "提案者と同じ係にいたため。" in panel


def test_bad_reviewer_and_recusal_forms_from_the_wrong_people_are_403_not_422(world) -> None:
    """The pages check who may act before they validate the form, as the API's gates do."""
    p = world.proposal
    too_many = {"reviewer_ids": [str(n) for n in range(1, 22)]}  # 21: over the limit of 20
    reviewers_path, recuse_path = f"/proposals/{p.id}/reviewers", f"/proposals/{p.id}/recuse"
    assert world.page(world.reviewer).post_form(reviewers_path, too_many).status_code == 403
    assert world.page(world.clerk).post_form(reviewers_path, too_many).status_code == 422
    assert world.page(world.clerk).post_form(recuse_path, {"reason": ""}).status_code == 403
    assert world.page(world.reviewer).post_form(recuse_path, {"reason": ""}).status_code == 422
