"""The notice table (app/services/notices.py) walked through the API: each step of a
proposal's life tells exactly the people the table names — in the app, and by one mail
each in the real SMTP server's inbox — and nobody else (not the actor, not a bystander,
not an inactive account)."""

from datetime import timedelta

from sqlmodel import Session, col, select

from app.models import Notification, User
from app.services import mail
from app.services.execution import today
from app.services.notices import NOTICES
from app.services.reminders import send_reminders
from app.wareki import fiscal_year_of
from tests.api.review_support import API, CODES
from tests.helpers import COMPLETE

SUBJECT_PREFIX = "【業務改善提案】"
BASE = "https://teian.town.example.lg.jp"
LEVELS = dict.fromkeys(CODES, 4)


class Watch:
    """The notices and mails since the last look."""

    def __init__(self, engine, send_outbox, inbox) -> None:
        self.engine, self.send_outbox, self.inbox = engine, send_outbox, inbox
        self.seen = 0

    def step(self, events: tuple[str, ...], expected: dict[str, set[int]]) -> list[Notification]:
        """Checks that the step's new notices are exactly `expected` (kind → user ids),
        that the table gives those kinds for `events`, and that each notice was mailed
        once to its person, with its number, title, next step and link."""
        for kind in expected:
            assert kind in {n.kind for e in events for n in NOTICES[e]}, (events, kind)
        with Session(self.engine) as session:
            rows = list(
                session.exec(
                    select(Notification)
                    .where(col(Notification.id) > self.seen)
                    .order_by(col(Notification.id))
                ).all()
            )
            emails = {u.id: u.email for u in session.exec(select(User)).all()}
        if rows:
            self.seen = rows[-1].id
        told: dict[str, set[int]] = {}
        for row in rows:
            told.setdefault(row.kind, set()).add(row.user_id)
        assert told == expected, events
        assert len(rows) == sum(len(ids) for ids in expected.values())  # once each
        result = self.send_outbox()
        assert (result.failed, result.given_up) == (0, 0)
        messages = self.inbox.take()
        assert sorted(m["To"].addresses[0].addr_spec for m in messages) == sorted(
            emails[row.user_id] for row in rows
        )
        for row in rows:
            (message,) = [
                m
                for m in messages
                if m["To"].addresses[0].addr_spec == emails[row.user_id]
                and str(m["Subject"]) == SUBJECT_PREFIX + row.title
            ]
            text = message.get_content()
            assert row.title in text and f"{BASE}/proposals/{row.proposal_id}" in text
            assert "次にすること: " in text
            assert row.body.strip() in text
        return rows


def test_each_step_tells_whom_the_table_says(
    cast, as_user, db_engine, send_outbox, inbox, mail_settings
):
    c = cast
    watch = Watch(db_engine, send_outbox, inbox)
    authors = {c.author.id, c.co_author.id}
    implementers = {c.implementer.id, c.implementer2.id}
    secretariat = {c.secretariat.id, c.secretariat2.id}
    author, sec = as_user(c.author), as_user(c.secretariat)

    def ok(response, status: int = 200) -> dict:
        assert response.status_code == status, response.text
        return response.json()

    body = {"title": "窓口予約システムの導入", **COMPLETE, "co_author_ids": [c.co_author.id]}
    pid = ok(author.post(f"{API}/proposals", json=body), 201)["id"]
    watch.step((), {})
    ok(author.post(f"{API}/proposals/{pid}/submit", json={}))
    on_submit = {"opinion-requested": {c.supervisor.id}, "submitted": secretariat}
    watch.step(("submit",), on_submit)
    ok(sec.post(f"{API}/proposals/{pid}/return", json={"reason": "効果の見込みを書いてください"}))
    (returned, _) = watch.step(("return",), {"returned": authors})
    assert returned.body == "効果の見込みを書いてください"
    ok(as_user(c.co_author).post(f"{API}/proposals/{pid}/submit", json={}))
    watch.step(("submit",), on_submit)
    number = ok(sec.post(f"{API}/proposals/{pid}/accept", json={}))["number"]
    accepted = watch.step(("accept",), {"accepted": authors})
    assert all(number in n.title for n in accepted)

    def reviewers(*people) -> None:
        ids = [p.id for p in people]
        ok(sec.put(f"{API}/proposals/{pid}/reviewers", json={"reviewer_ids": ids}))

    reviewers(c.a, c.b)
    watch.step(("review-assigned",), {"review-assigned": {c.a.id, c.b.id}})
    reviewers(c.b, c.c)
    watch.step(
        ("review-assigned", "review-unassigned"),
        {"review-assigned": {c.c.id}, "review-unassigned": {c.a.id}},
    )
    review = {"scores": LEVELS, "comment": "妥当"}
    ok(as_user(c.b).put(f"{API}/proposals/{pid}/reviews/mine", json=review))
    watch.step((), {})
    ok(as_user(c.c).put(f"{API}/proposals/{pid}/reviews/mine", json=review))
    watch.step(("reviews-complete",), {"reviews-complete": secretariat})

    decision = {
        "outcome": "adopted",
        "reason": "全庁展開する",
        "implementing_department_id": c.works.id,
    }
    ok(sec.post(f"{API}/proposals/{pid}/decide", json=decision))
    decided = watch.step(("decide",), {"decided": authors, "budget-needed": {c.finance.id}})
    assert {n.body for n in decided if n.kind == "decided"} == {"全庁展開する"}
    year = fiscal_year_of(today())
    budget = {
        "required": True,
        "fiscal_year": year,
        "requested_yen": 500000,
        "approved_yen": 500000,
    }
    ok(as_user(c.finance).put(f"{API}/proposals/{pid}/budget", json=budget))
    watch.step(("approve-budget",), {"budgeted": authors, "ready-to-start": implementers})

    doer = as_user(c.implementer)
    ok(doer.post(f"{API}/proposals/{pid}/start", json={}))
    watch.step(("start",), {"execution": authors})
    due = today() + timedelta(days=3)
    milestone = {"title": "業者選定", "due_date": due.isoformat()}
    ok(doer.post(f"{API}/proposals/{pid}/milestones", json=milestone), 201)
    # The reminders' command runs with the service's settings (the relay on).
    with mail.with_settings(Session(db_engine), mail_settings) as session:
        assert send_reminders(session, on=today()).sent == 1
    (reminded, _) = watch.step(("reminder",), {"reminder": implementers})
    assert "業者選定" in reminded.title
    report = {
        "report": "予約制にした",
        "actual_cost_yen": 400000,
        "actual_hours_saved_per_year_hours": 120,
        "actual_savings_yen_per_year": 480000,
        "close_open_milestones": True,  # 業者選定 is still open
    }
    ok(doer.post(f"{API}/proposals/{pid}/complete", json=report))
    completed = watch.step(("complete",), {"execution": authors})
    assert {n.body for n in completed} == {"予約制にした"}


def test_the_other_branches(cast, as_user, db_engine, send_outbox, inbox):
    """Not accepted; a budget denied, then found not needed."""
    c = cast
    watch = Watch(db_engine, send_outbox, inbox)
    author, sec = as_user(c.author), as_user(c.secretariat)
    authors = {c.author.id}

    def ok(response, status: int = 200) -> dict:
        assert response.status_code == status, response.text
        return response.json()

    def submitted(title: str) -> int:
        body = {"title": title, **COMPLETE}
        pid = ok(author.post(f"{API}/proposals", json=body), 201)["id"]
        ok(author.post(f"{API}/proposals/{pid}/submit", json={}))
        secretariat = {c.secretariat.id, c.secretariat2.id}
        watch.step(("submit",), {"opinion-requested": {c.supervisor.id}, "submitted": secretariat})
        return pid

    first = submitted("押印の廃止")
    second = submitted("公用車の予約")
    ok(sec.post(f"{API}/proposals/{first}/not-accept", json={"reason": "既に実施済みです"}))
    (refused,) = watch.step(("not-accept",), {"not-accepted": authors})
    assert refused.body == "既に実施済みです"

    ok(sec.post(f"{API}/proposals/{second}/accept", json={}))
    ok(sec.put(f"{API}/proposals/{second}/reviewers", json={"reviewer_ids": [c.a.id, c.b.id]}))
    review = {"scores": LEVELS, "comment": "妥当"}
    ok(as_user(c.a).put(f"{API}/proposals/{second}/reviews/mine", json=review))
    watch.step(
        ("accept", "review-assigned"),
        {"accepted": authors, "review-assigned": {c.a.id, c.b.id}},
    )
    # B steps aside: A's review completes the set.
    ok(as_user(c.b).post(f"{API}/proposals/{second}/recuse", json={"reason": "利害関係"}))
    watch.step(("reviews-complete",), {"reviews-complete": {c.secretariat.id, c.secretariat2.id}})
    # A's review replaced: the set was complete already, nobody is told again.
    ok(as_user(c.a).put(f"{API}/proposals/{second}/reviews/mine", json=review))
    watch.step((), {})
    decision = {
        "outcome": "partially_adopted",
        "reason": "一部を採用",
        "implementing_department_id": c.works.id,
    }
    ok(sec.post(f"{API}/proposals/{second}/decide", json=decision))
    watch.step(("decide",), {"decided": authors, "budget-needed": {c.finance.id}})
    finance = as_user(c.finance)
    year = fiscal_year_of(today())
    request = {"required": True, "fiscal_year": year, "requested_yen": 300000}
    ok(finance.put(f"{API}/proposals/{second}/budget", json=request))
    watch.step((), {})
    ok(finance.post(f"{API}/proposals/{second}/budget/deny", json={"reason": "財源がない"}))
    (denied,) = watch.step(("budget-deny",), {"budget-denied": authors})
    assert denied.body == "財源がない"
    not_needed = {"required": False, "fiscal_year": year + 1}
    ok(finance.put(f"{API}/proposals/{second}/budget", json=not_needed))
    watch.step(("budget-not-required",), {"ready-to-start": {c.implementer.id, c.implementer2.id}})


def test_the_walks_cover_the_whole_table() -> None:
    """Every event of the table is walked above (kept in step by hand: a new event needs
    its step)."""
    walked = {
        "submit",
        "return",
        "accept",
        "review-assigned",
        "review-unassigned",
        "reviews-complete",
        "decide",
        "approve-budget",
        "start",
        "reminder",
        "complete",
        "not-accept",
        "budget-deny",
        "budget-not-required",
    }
    assert walked == set(NOTICES)
