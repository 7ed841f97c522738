"""Demo proposals for `make run`: every status, across initiatives and departments.

Everything the services can already do goes through them (create, submit, return,
not-accept, accept, withdraw, the supervisor's opinion, reviewer assignment, scoring,
decisions, budgets, starting, milestones, progress and completion reports). Due dates
are set relative to today, so the demo always shows a milestone due soon and one overdue.
"""

from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.models import Department, Proposal, User
from app.models.enums import Role
from app.models.proposal import ProposalCreate
from app.models.types import utcnow
from app.services import (
    execution,
    lifecycle,
    performers,  # noqa: F401  (every action registered)
)
from app.services.budget import put_budget
from app.services.lifecycle import Action
from app.services.proposals import create_proposal, set_supervisor_opinion
from app.services.review import submit_review
from app.services.reviewers import assign_reviewers
from app.services.rubric import current_rubric
from app.wareki import fiscal_year_of, today_jst

# (author, title, initiative, category, kind, texts, estimates, path)
# path: the steps after creation; strings are lifecycle actions (by author or secretariat),
# ("opinion", text) asks the supervisor; ("no-budget",) is finance marking the budget not
# required; ("milestone", title, due in days, weight, done days ago or None), ("start",
# owner, planned end in days), ("progress", percent, note) and ("complete", report, cost,
# hours, yen) are the implementing department's execution steps.
DEMO: list[dict[str, Any]] = [
    {
        "author": "staff",
        "title": "窓口受付のオンライン予約化",
        "initiative": 3,
        "category": "satisfaction",
        "summary": "転入・転出などの窓口手続きを、マイナポータルと町のサイトから予約できるようにする。",
        "current": "年度末・年度初めは窓口が混雑し、待ち時間が1時間を超える日がある。",
        "text": "予約枠を30分単位で公開し、予約者は事前に必要書類を確認できるようにする。",
        "effect": "待ち時間の短縮と、職員の残業削減（繁忙期に月20時間程度）。",
        "hours": 240,
        "savings": 0,
        "cost": 300_000,
        "path": [
            "submit",
            ("opinion", "繁忙期の負担軽減につながるため、課として推薦します。"),
            "accept",
            ("reviews", [("reviewer", [5, 4, 3, 3, 4, 4]), ("reviewer2", None)]),
        ],
    },
    {
        "author": "supervisor",
        "title": "会議資料のペーパーレス化",
        "initiative": 10,
        "category": "savings",
        "summary": "庁議・課長会議の資料をタブレットで共有し、印刷を廃止する。",
        "current": "会議ごとに数百枚を印刷し、差し替えのたびに刷り直している。",
        "text": "共有フォルダとタブレットを使い、資料は会議前日までに電子で配布する。",
        "effect": "用紙・トナー代の削減と、印刷・綴じ込み作業の削減。",
        "hours": 120,
        "savings": 180_000,
        "cost": 0,
        "path": [
            "submit",
            "accept",
            ("reviews", [("reviewer", [5, 5, 5, 3, 5, 4]), ("reviewer2", [5, 4, 5, 3, 5, 4])]),
            ("decide", "adopted", "全庁で効果が見込まれるため採用。", "grand", "010", 150, 200_000),
            ("no-budget",),
            ("start", "secretariat", 60),
            ("milestone", "タブレットの配布と設定", -40, 2, 45),
            ("milestone", "課長会議での試行", -20, 1, 21),
            ("milestone", "庁議での本格運用", -5, 1, 6),
            (
                "complete",
                "庁議・課長会議の資料をすべて電子配布に切り替えた。印刷は原則廃止。",
                0,
                160,
                210_000,
            ),
        ],
    },
    {
        "author": "finance",
        "title": "RPAによる会計伝票入力の自動化",
        "initiative": 4,
        "category": "efficiency",
        "summary": "請求書の内容を財務会計システムへ転記する作業をRPAで自動化する。",
        "current": "月末に各課で延べ100時間以上の転記作業が発生している。",
        "text": "AI-OCRで請求書を読み取り、RPAで伝票を起票する。まず企画財政課で試行する。",
        "effect": "転記時間の削減と入力誤りの防止。",
        "hours": 1200,
        "savings": 0,
        "cost": 1_800_000,
        "path": [
            "submit",
            "accept",
            ("reviews", [("reviewer", [5, 3, 4, 4, 5, 4]), ("reviewer2", [4, 3, 4, 4, 4, 5])]),
            (
                "decide",
                "adopted",
                "転記作業の削減効果が大きいため採用。",
                "excellent",
                "020",
                1000,
                0,
            ),
            ("budget", "initial", 1_800_000, 1_500_000, "総務費 一般管理費 委託料"),
        ],
    },
    {
        "author": "reviewer2",
        "title": "公用車予約のデジタル化",
        "initiative": None,
        "category": "efficiency",
        "summary": "紙の予約簿をやめ、グループウェアの施設予約で公用車を予約する。",
        "current": "予約簿が総務課にしかなく、予約のたびに電話や移動が必要。",
        "text": "グループウェアに公用車を施設として登録し、鍵の貸出も記録する。",
        "effect": "予約の手間と重複予約の解消。",
        "hours": 80,
        "savings": 0,
        "cost": 0,
        "path": [
            "submit",
            "accept",
            ("reviews", [("reviewer", [4, 5, 4, 2, 4, 3])]),
            ("decide", "adopted", "費用をかけずにすぐ実施できるため採用。", "merit", "010", 80, 0),
            ("no-budget",),
            ("start", "secretariat", 90),
            ("milestone", "公用車を施設として登録", -30, 1, 28),
            ("milestone", "鍵の貸出ルールの改定", -3, 1, None),
            ("milestone", "全庁への周知と紙の予約簿の廃止", 5, 2, None),
            ("progress", 40, "登録は完了。貸出ルールは総務課内で調整中。"),
        ],
    },
    {
        "author": "staff",
        "title": "住民票の郵送請求を電子申請に",
        "initiative": 3,
        "category": "satisfaction",
        "summary": "住民票・戸籍証明の郵送請求を電子申請で受け付け、手数料をキャッシュレスで納付できるようにする。",
        "current": "遠方の方は定額小為替を用意して郵送する必要があり、手間がかかる。",
        "text": "電子申請サービスで請求を受け付け、クレジット決済で手数料を受け取る。",
        "effect": "町民の手間の削減と、小為替の換金事務の削減。",
        "hours": 60,
        "savings": 20_000,
        "cost": 150_000,
        "path": [
            "submit",
            "accept",
            ("reviews", [("reviewer", [4, 4, 3, 3, 4, 4]), ("reviewer2", [4, 3, 3, 3, 4, 3])]),
            (
                "decide",
                "partially_adopted",
                "電子申請は採用。キャッシュレス納付は来年度に検討。",
                "encouragement",
                "030",
                50,
                10_000,
            ),
        ],
    },
    {
        "author": "reviewer",
        "title": "除雪情報のオープンデータ公開",
        "initiative": 11,
        "category": "satisfaction",
        "summary": "除雪車の作業状況と除雪路線を地図データとして公開する。",
        "current": "除雪状況の問い合わせ電話が大雪の日に集中する。",
        "text": "除雪路線をオープンデータとして公開し、作業状況を町サイトの地図に表示する。",
        "effect": "問い合わせ対応の削減と町民の利便性向上。",
        "hours": 40,
        "savings": 0,
        "cost": 500_000,
        "path": [
            "submit",
            "accept",
            ("reviews", [("reviewer2", [3, 2, 2, 4, 3, 4])]),
            (
                "decide",
                "deferred",
                "システム更新の時期に合わせて来年度に再検討する。",
                None,
                None,
                None,
                None,
            ),
        ],
    },
    {
        "author": "supervisor",
        "title": "庁舎照明のLED化",
        "initiative": None,
        "category": "savings",
        "summary": "庁舎の蛍光灯をLED照明に交換する。",
        "current": "蛍光灯の製造終了が近く、電気代も高い。",
        "text": "3年計画で庁舎全体の照明をLEDに交換する。",
        "effect": "電気代の削減。",
        "hours": 0,
        "savings": 400_000,
        "cost": 6_000_000,
        "path": [
            "submit",
            "accept",
            ("reviews", [("reviewer", [3, 2, 1, 2, 2, 3]), ("reviewer2", [2, 2, 2, 2, 3, 2])]),
            (
                "decide",
                "rejected",
                "施設改修計画で対応することになっているため不採用。",
                None,
                None,
                None,
                None,
            ),
        ],
    },
    {
        "author": "parttime",
        "title": "スマホ教室の定期開催",
        "initiative": 8,
        "category": "satisfaction",
        "summary": "高齢者向けのスマホ教室を公民館で毎月開催する。",
        "current": "オンライン手続きの使い方が分からないという相談が窓口に多い。",
        "text": "携帯電話会社の協力を得て、毎月1回、公民館で教室を開く。",
        "effect": "デジタルデバイドの解消と窓口相談の削減。",
        "hours": 30,
        "savings": 0,
        "cost": 50_000,
        "path": ["submit"],
    },
    {
        "author": "staff",
        "title": "窓口受付の予約システム導入",
        "initiative": 3,
        "category": "satisfaction",
        "summary": "窓口の受付をオンラインで予約できるシステムを入れる。",
        "current": "窓口が混む時期がある。",
        "text": "予約システムを導入して受付を平準化する。",
        "effect": "待ち時間の短縮。",
        "hours": 100,
        "savings": 0,
        "cost": 200_000,
        "path": ["submit"],
    },
    {
        "author": "parttime",
        "title": "押印廃止の推進",
        "initiative": 9,
        "category": "efficiency",
        "summary": "内部の決裁・申請書類の押印を廃止する。",
        "current": "押印のためだけに出勤・回付が必要な書類がある。",
        "text": "押印が必要な書類を洗い出す。",
        "effect": "事務の効率化。",
        "hours": 50,
        "savings": 0,
        "cost": 0,
        "path": [
            "submit",
            ("return", "対象となる書類の数と削減できる時間の見込みを書き加えてください。"),
        ],
    },
    {
        "author": "staff",
        "title": "職員駐車場が狭い",
        "initiative": None,
        "category": "other",
        "summary": "職員駐車場が狭く、朝は停める場所がない。",
        "current": "駐車場が狭い。",
        "text": "何とかしてほしい。",
        "effect": "ストレスが減る。",
        "hours": None,
        "savings": None,
        "cost": None,
        "path": [
            "submit",
            ("not-accept", "改善の提案ではなく要望のみのため、規程第5条により不受理とします。"),
        ],
    },
    {
        "author": "parttime",
        "title": "AI-OCRで健診の問診票を読み取る",
        "initiative": 4,
        "category": "efficiency",
        "summary": "特定健診の問診票をAI-OCRで読み取り、入力作業を減らす。",
        "current": "",
        "text": "",
        "effect": "",
        "hours": None,
        "savings": None,
        "cost": None,
        "path": [],
    },
    {
        "author": "reviewer",
        "title": "庁内Wi-Fiの増設",
        "initiative": 5,
        "category": "efficiency",
        "summary": "会議室にWi-Fiを増設する。",
        "current": "会議室で無線LANがつながりにくい。",
        "text": "アクセスポイントを増設する。",
        "effect": "会議のペーパーレス化が進む。",
        "hours": 10,
        "savings": 0,
        "cost": 400_000,
        "path": [
            "submit",
            ("withdraw", "情報政策の計画で整備されることになったため取り下げます。"),
        ],
    },
    {
        "author": "finance",
        "title": "パスワード管理の徹底と多要素認証",
        "initiative": 6,
        "category": "other",
        "summary": "業務システムのログインに多要素認証を導入する。",
        "current": "パスワードの使い回しや付箋への記録が見られる。",
        "text": "ICカードと暗証番号による認証に切り替え、研修を行う。",
        "effect": "情報漏えいリスクの低減。",
        "hours": 0,
        "savings": 0,
        "cost": 900_000,
        "path": [
            "submit",
            "accept",
            ("reviews", [("reviewer", [4, 3, 2, 3, 5, 3]), ("reviewer2", [2, 2, 2, 2, 3, 2])]),
        ],
    },
    {
        "author": "staff",
        "title": "マイナンバーカードの休日出張申請窓口",
        "initiative": 2,
        "category": "satisfaction",
        "summary": "休日に地区の集会所でマイナンバーカードの申請を受け付ける。",
        "current": "平日に来庁できない方の申請が進まない。",
        "text": "月1回、休日に職員2名で出張受付を行う。",
        "effect": "カードの普及率向上。",
        "hours": 0,
        "savings": 0,
        "cost": 80_000,
        "path": [
            "submit",
            "accept",
            ("reviews", [("reviewer", [4, 5, 3, 3, 3, 5]), ("reviewer2", [4, 4, 3, 3, 4, 5])]),
            ("decide", "adopted", "カードの普及に直接つながるため採用。", "merit", "030", 0, 0),
            ("no-budget",),
            ("start", "supervisor", 30),
            ("progress", 100, "3回の出張受付を実施した。"),
            ("complete", "休日の出張受付を3回行い、延べ126件の申請を受け付けた。", 72_000, 0, 0),
        ],
    },
    {
        "author": "parttime",
        "title": "窓口の番号札をデジタル化",
        "initiative": 3,
        "category": "satisfaction",
        "summary": "紙の番号札をやめ、発券機とスマートフォンで呼び出し状況を確認できるようにする。",
        "current": "待合が混雑し、呼び出しを聞き逃す方がいる。",
        "text": "既存の発券機を更新し、呼び出し状況を町のサイトで見られるようにする。",
        "effect": "待合の混雑緩和と、呼び出し対応の時間削減。",
        "hours": 60,
        "savings": 20_000,
        "cost": 0,
        "path": [
            "submit",
            "accept",
            ("reviews", [("reviewer", [4, 4, 4, 3, 4, 4]), ("reviewer2", [4, 4, 3, 3, 4, 4])]),
            ("decide", "adopted", "既存機器の設定変更で実施できるため採用。", None, "030", 50, 0),
            ("no-budget",),
            ("milestone", "発券機の設定変更", 10, 1, None),
        ],
    },
    {
        "author": "parttime",
        "title": "子育て情報のプッシュ通知",
        "initiative": 7,
        "category": "satisfaction",
        "summary": "健診や予防接種の案内を、子育て世帯のスマートフォンに通知する。",
        "current": "紙の案内を見落とす家庭がある。",
        "text": "",
        "effect": "",
        "hours": None,
        "savings": None,
        "cost": None,
        "path": [],
    },
]


def _user(session: Session, local: str) -> User:
    from app.demo import demo_email

    return session.exec(select(User).where(User.email == demo_email(local))).one()


def _days(n: int) -> date:
    return today_jst() + timedelta(days=n)


def _execute(session: Session, proposal: Proposal, name: str, extra: tuple) -> None:
    """The budget-not-required mark and the implementing department's steps."""
    department = proposal.implementing_department_id
    members = session.exec(
        select(User).where(User.department_id == department).order_by(col(User.id))
    ).all()
    doer = next(u for u in members if not u.has_role(Role.admin))
    if name == "no-budget":
        put_budget(
            session,
            proposal_id=proposal.id,
            user=_user(session, "finance"),
            body={"required": False, "fiscal_year": fiscal_year_of(utcnow())},
            expected_version=None,
        )
    elif name == "milestone":
        title, due, weight, done_ago = extra
        milestone = execution.add_milestone(
            session,
            proposal_id=proposal.id,
            user=doer,
            body={"title": title, "due_date": _days(due).isoformat(), "weight": weight},
            expected_version=None,
        )
        if done_ago is not None:
            execution.update_milestone(
                session,
                proposal_id=proposal.id,
                milestone_id=milestone.id,
                user=doer,
                body={"done": True, "done_on": _days(-done_ago).isoformat()},
                expected_version=None,
            )
    elif name == "start":
        owner, end_in = extra
        body = {"owner_id": _user(session, owner).id, "planned_end_date": _days(end_in).isoformat()}
        lifecycle.perform(session, proposal=proposal, user=doer, action=Action.start, body=body)
    elif name == "progress":
        percent, note = extra
        execution.add_progress(
            session,
            proposal_id=proposal.id,
            user=doer,
            body={"percent": percent, "note": note},
            expected_version=None,
        )
    elif name == "complete":
        report, cost, hours, yen = extra
        body = {
            "report": report,
            "actual_cost_yen": cost,
            "actual_hours_saved_per_year_hours": hours,
            "actual_savings_yen_per_year": yen,
        }
        lifecycle.perform(session, proposal=proposal, user=doer, action=Action.complete, body=body)
    session.refresh(proposal)


EXECUTION_STEPS = ("no-budget", "milestone", "start", "progress", "complete")


def _review(
    session: Session, proposal: Proposal, plan: list[tuple[str, list[int] | None]], by: User
) -> None:
    """Assigns the reviewers and enters the scores given (None: not scored yet)."""
    _version, criteria = current_rubric(session)
    reviewers = [_user(session, local) for local, _ in plan]
    assign_reviewers(
        session,
        proposal_id=proposal.id,
        user=by,
        body={"reviewer_ids": [r.id for r in reviewers]},
        expected_version=None,
    )
    for reviewer, (_, levels) in zip(reviewers, plan, strict=True):
        if levels is not None:
            scores = {c.code: level for c, level in zip(criteria, levels, strict=True)}
            submit_review(
                session,
                proposal_id=proposal.id,
                user=reviewer,
                body={"scores": scores, "comment": "デモの採点です。"},
            )
    session.refresh(proposal)


def _decide(
    session: Session,
    proposal: Proposal,
    by: User,
    outcome: str,
    reason: str,
    award: str | None,
    department_code: str | None,
    hours: float | None,
    yen: int | None,
) -> None:
    department = (
        session.exec(select(Department).where(Department.code == department_code)).one()
        if department_code
        else None
    )
    body = {
        "outcome": outcome,
        "reason": reason,
        "award": award,
        "implementing_department_id": department.id if department else None,
        "target_hours_saved_per_year_hours": hours,
        "target_savings_yen_per_year": yen,
    }
    lifecycle.perform(session, proposal=proposal, user=by, action=Action.decide, body=body)


def _budget(
    session: Session,
    proposal: Proposal,
    by: User,
    budget_type: str,
    requested: int,
    approved: int | None,
    account: str,
) -> None:
    """Finance records the request for next fiscal year and, when given, approves it."""
    put_budget(
        session,
        proposal_id=proposal.id,
        user=by,
        body={
            "required": True,
            "fiscal_year": fiscal_year_of(utcnow()) + 1,
            "budget_type": budget_type,
            "requested_yen": requested,
            "approved_yen": approved,
            "account": account,
        },
        expected_version=None,
    )
    session.refresh(proposal)


def load_demo_proposals(session: Session) -> int:
    """Creates the demo proposals; returns how many."""
    secretariat = _user(session, "secretariat")
    supervisor = _user(session, "supervisor")
    for item in DEMO:
        author = _user(session, item["author"])
        data = ProposalCreate(
            title=item["title"],
            summary=item["summary"],
            current_situation=item["current"],
            proposal_text=item["text"],
            expected_effect=item["effect"],
            category=item["category"],
            initiative_id=item["initiative"],
            estimated_hours_saved_per_year_hours=item["hours"],
            estimated_savings_yen_per_year=item["savings"],
            estimated_cost_yen=item["cost"],
        )
        proposal = create_proposal(session, data=data, user=author)
        for step in item["path"]:
            name, extra = (step, None) if isinstance(step, str) else (step[0], step[1:])
            if name == "opinion":
                set_supervisor_opinion(
                    session,
                    proposal_id=proposal.id,
                    user=supervisor,
                    body={"opinion": extra[0]},
                    expected_version=None,
                )
                session.refresh(proposal)
            elif name in EXECUTION_STEPS:
                _execute(session, proposal, name, extra)
            elif name == "reviews":
                _review(session, proposal, extra[0], secretariat)
            elif name == "decide":
                _decide(session, proposal, secretariat, *extra)
            elif name == "budget":
                _budget(session, proposal, _user(session, "finance"), *extra)
            else:
                actor = author if name in ("submit", "withdraw") else secretariat
                body = {"reason": extra[0]} if extra else {}
                lifecycle.perform(
                    session, proposal=proposal, user=actor, action=Action(name), body=body
                )
    return len(DEMO)
