"""Milestone reminders (issue 6): who is told, when, and that running `send-reminders`
again — the same day, the next day, from cron on two hosts — sends nothing twice, until
something changes (a due-soon milestone falls overdue, a due date moves).

Notifications are counted as rows, per person, against a fixed clock.
"""

import threading
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from app import __main__ as cli
from app.config import get_settings
from app.models import Milestone, Notification, Proposal, ReminderSent
from app.models.enums import Role, Status
from app.services import execution, reminders
from tests.helpers import proposal_in

TODAY = date(2026, 6, 15)


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch) -> None:
    monkeypatch.setattr("app.wareki.today_jst", lambda: TODAY)


@pytest.fixture
def town(make_user, make_department):
    home = make_department("住民課")
    implementing = make_department("情報政策課")
    elsewhere = make_department("総務課")
    empty = make_department("議会事務局")
    return {
        "implementing": implementing,
        "empty": empty,
        "author": make_user(department=home),
        "doer": make_user(department=implementing),
        "colleague": make_user(department=implementing),
        "retired": make_user(department=implementing, is_active=False),
        "secretariat": make_user(Role.secretariat, department=elsewhere),
        "secretariat_2": make_user(Role.secretariat, department=elsewhere),
        "old_secretariat": make_user(Role.secretariat, department=elsewhere, is_active=False),
        "bystander": make_user(department=elsewhere),
    }


def executing(session: Session, town, *, status=Status.in_progress, department=None, **fields):
    proposal = proposal_in(session, status, author=town["author"])
    proposal.implementing_department_id = (department or town["implementing"]).id
    for name, value in fields.items():
        setattr(proposal, name, value)
    session.add(proposal)
    session.commit()
    session.refresh(proposal)
    return proposal


def milestone(session: Session, proposal: Proposal, due: date, done_on: date | None = None):
    stone = Milestone(proposal_id=proposal.id, title="業者選定", due_date=due, done_on=done_on)
    session.add(stone)
    session.commit()
    session.refresh(stone)
    return stone


def received(session: Session) -> Counter:
    """Reminder notifications per user id."""
    session.expire_all()
    rows = session.exec(select(Notification).where(Notification.kind == "reminder")).all()
    return Counter(n.user_id for n in rows)


def titles(session: Session, user_id: int) -> list[str]:
    return list(
        session.exec(
            select(Notification.title)
            .where(Notification.user_id == user_id)
            .where(Notification.kind == "reminder")
            .order_by(col(Notification.id))
        ).all()
    )


def total(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Notification)).one()


def ids(town, *names: str, times: int = 1) -> Counter:
    """Each named person's id, counted `times` times."""
    return Counter({town[n].id: times for n in names})


def test_due_soon_and_overdue_reach_each_member_once(session: Session, town) -> None:
    proposal = executing(session, town, owner_id=town["doer"].id)  # the owner is a member
    milestone(session, proposal, day(3))
    milestone(session, proposal, day(-1))
    milestone(session, proposal, day(7))  # the edge of the 7-day window
    milestone(session, proposal, day(8))  # not yet
    result = reminders.send_reminders(session)
    assert (result.sent, result.notifications, result.skipped) == (3, 6, 0)
    # Active members only, the owner not twice, nobody else.
    assert received(session) == ids(town, "doer", "colleague", times=3)
    mine = titles(session, town["doer"].id)
    assert [t.split(":")[0] for t in mine] == ["期限超過", "期限間近", "期限間近"]
    assert "令和8年6月14日" in mine[0] and "窓口予約システムの導入" in mine[0]
    assert "令和8年6月18日" in mine[1] and "令和8年6月22日" in mine[2]


def test_an_owner_outside_the_department_is_told_too(session: Session, town) -> None:
    proposal = executing(session, town, owner_id=town["bystander"].id)  # transferred since
    milestone(session, proposal, day(2))
    reminders.send_reminders(session)
    assert received(session) == ids(town, "doer", "colleague", "bystander")


def test_running_again_sends_nothing_twice(session: Session, town) -> None:
    proposal = executing(session, town)
    soon = milestone(session, proposal, day(3))
    milestone(session, proposal, day(-2))
    reminders.send_reminders(session)
    first = received(session)
    assert first == ids(town, "doer", "colleague", times=2)
    rows = total(session)

    again = reminders.send_reminders(session)  # the same day
    assert (again.sent, again.notifications, again.skipped) == (0, 0, 2)
    assert total(session) == rows

    for offset in (1, 2, 3):  # the following days: still due soon / still overdue
        later = reminders.send_reminders(session, on=day(offset))
        assert (later.sent, later.skipped) == (0, 2), offset
        assert total(session) == rows

    # Day 4: the due-soon milestone (due day 3) is overdue now: one new reminder each.
    fallen = reminders.send_reminders(session, on=day(4))
    # (the milestone overdue since day -2 was reminded on day 0: skipped)
    assert (fallen.sent, fallen.notifications, fallen.skipped) == (1, 2, 1)
    assert received(session) - first == ids(town, "doer", "colleague")
    assert titles(session, town["doer"].id)[-1].startswith("期限超過")
    assert "令和8年6月18日" in titles(session, town["doer"].id)[-1]
    assert reminders.send_reminders(session, on=day(5)).sent == 0
    assert (
        session.exec(
            select(func.count())
            .select_from(ReminderSent)
            .where(ReminderSent.proposal_id == soon.proposal_id)
        ).one()
        == 3
    )


def test_moving_a_due_date_makes_a_new_reminder(session: Session, town) -> None:
    proposal = executing(session, town)
    stone = milestone(session, proposal, day(3))
    reminders.send_reminders(session)
    before = received(session)
    execution.update_milestone(
        session,
        proposal_id=proposal.id,
        milestone_id=stone.id,
        user=town["doer"],
        body={"due_date": day(5).isoformat()},
        expected_version=None,
    )
    result = reminders.send_reminders(session)
    assert (result.sent, result.skipped) == (1, 0)
    assert received(session) - before == ids(town, "doer", "colleague")
    assert "令和8年6月20日" in titles(session, town["doer"].id)[-1]
    assert reminders.send_reminders(session).sent == 0


def test_done_milestones_and_finished_proposals_get_none(session: Session, town) -> None:
    proposal = executing(session, town)
    milestone(session, proposal, day(-3), done_on=day(-1))  # done (late)
    milestone(session, proposal, day(2), done_on=day(0))  # done early
    completed = executing(session, town, status=Status.completed, planned_end_date=day(-10))
    milestone(session, completed, day(-1))
    milestone(session, completed, day(2))
    for status in (Status.in_review, Status.rejected, Status.withdrawn):
        milestone(session, executing(session, town, status=status), day(1))
    result = reminders.send_reminders(session)
    assert (result.sent, result.notifications, result.skipped) == (0, 0, 0)
    assert total(session) == 0


def test_adopted_and_budgeted_milestones_are_reminded(session: Session, town) -> None:
    for status in (Status.adopted, Status.budgeted):
        milestone(session, executing(session, town, status=status), day(1))
    assert reminders.send_reminders(session).sent == 2
    assert received(session) == ids(town, "doer", "colleague", times=2)


def test_a_passed_planned_end_date_is_reminded_once(session: Session, town) -> None:
    executing(session, town, planned_end_date=day(-1))
    executing(session, town, planned_end_date=day(0))  # today: not yet
    result = reminders.send_reminders(session)
    assert (result.sent, result.notifications) == (1, 2)
    assert titles(session, town["doer"].id)[0].startswith("期限超過")
    assert "完了予定日令和8年6月14日" in titles(session, town["doer"].id)[0]
    assert reminders.send_reminders(session, on=day(1)).sent == 1  # the second one, now late
    assert reminders.send_reminders(session, on=day(2)).sent == 0


def test_a_department_without_members_falls_back_to_the_secretariat(session: Session, town) -> None:
    proposal = executing(session, town, department=town["empty"])
    milestone(session, proposal, day(1))
    result = reminders.send_reminders(session)
    assert (result.sent, result.notifications) == (1, 2)
    assert received(session) == ids(town, "secretariat", "secretariat_2")  # active ones only


def test_the_reminder_window_is_a_parameter(session: Session, town) -> None:
    proposal = executing(session, town)
    milestone(session, proposal, day(10))
    assert reminders.send_reminders(session, days_ahead=7).sent == 0
    assert reminders.send_reminders(session, days_ahead=10).sent == 1


# -- the command line ---------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, settings, db_engine):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_cli_prints_the_counts_and_is_idempotent(
    cli_env, session: Session, town, capsys
) -> None:
    proposal = executing(session, town)
    milestone(session, proposal, day(2))
    milestone(session, proposal, day(-2))
    assert cli.main(["send-reminders", "--date", TODAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "reminders sent: 2 (4 notifications); already sent before: 0" in out
    assert received(session) == ids(town, "doer", "colleague", times=2)

    assert cli.main(["send-reminders", "--date", TODAY.isoformat()]) == 0
    assert "reminders sent: 0 (0 notifications); already sent before: 2" in capsys.readouterr().out
    assert received(session) == ids(town, "doer", "colleague", times=2)

    # Without --date it runs for today (the fixed clock): nothing new either.
    assert cli.main(["send-reminders"]) == 0
    assert "reminders sent: 0" in capsys.readouterr().out

    assert cli.main(["send-reminders", "--date", day(3).isoformat()]) == 0
    assert "reminders sent: 1 (2 notifications); already sent before: 1" in (
        capsys.readouterr().out
    )


def test_the_cli_refuses_a_bad_date(cli_env, session: Session, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["send-reminders", "--date", "2026-13-01"])
    assert exit_.value.code == 2
    assert "not a date" in capsys.readouterr().err
    assert total(session) == 0


def test_two_runs_at_the_same_moment_send_each_reminder_once(
    db_engine, session: Session, town
) -> None:
    """Two hosts' cron firing together: the unique key lets exactly one of them send."""
    for offset in (-2, 1, 3):
        proposal = executing(session, town)
        milestone(session, proposal, day(offset))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run() -> None:
        try:
            with Session(db_engine) as own:
                barrier.wait()
                results.append(reminders.send_reminders(own, on=TODAY))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(r.sent for r in results) == 3  # between them, each reminder sent once
    assert sum(r.sent + r.skipped for r in results) == 6  # each saw all three
    # Three reminders, each to the two active members of the implementing department.
    assert received(session) == Counter({town["doer"].id: 3, town["colleague"].id: 3})
    assert session.exec(select(func.count()).select_from(ReminderSent)).one() == 3
