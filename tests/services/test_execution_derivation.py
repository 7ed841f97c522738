"""Derived progress and overdue (issue 6): the percentage from weighted milestones (rounded
half up), from the latest progress update when there are no milestones, 100 once completed;
`overdue` against a fixed clock; and the SQL form of overdue agreeing with the Python one.

Every expected number is worked out by hand in the comment beside it.
"""

from datetime import date, timedelta

import pytest
from sqlmodel import Session, col, select

from app.models import Milestone, Proposal
from app.models.enums import Role, Status
from app.services import execution, execution_board
from tests.helpers import proposal_in

TODAY = date(2026, 6, 15)
YESTERDAY = TODAY - timedelta(days=1)
TOMORROW = TODAY + timedelta(days=1)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch) -> None:
    monkeypatch.setattr("app.wareki.today_jst", lambda: TODAY)


def stones(*weights: int, done: tuple[int, ...] = ()) -> list[Milestone]:
    """Unsaved milestones with these weights; the ones at the `done` positions are done."""
    return [
        Milestone(
            proposal_id=1,
            title=f"工程{i + 1}",
            due_date=TODAY,
            weight=w,
            done_on=YESTERDAY if i in done else None,
        )
        for i, w in enumerate(weights)
    ]


# -- the percentage ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weights", "done", "percent"),
    [
        ((3, 1), (0,), 75),  # 3/4 = 75
        ((3, 1), (1,), 25),  # 1/4 = 25
        ((1, 2), (0,), 33),  # 1/3 = 33.33 → 33
        ((1, 2), (1,), 67),  # 2/3 = 66.67 → 67
        ((1, 1), (0,), 50),  # 1/2
        ((1,) * 8, (0,), 13),  # 1/8 = 12.5 → 13 (half up, not to even: 12)
        ((1,) * 8, (0, 1, 2), 38),  # 3/8 = 37.5 → 38
        ((1,) * 8, (0, 1, 2, 3, 4), 63),  # 5/8 = 62.5 → 63 (not 62)
        ((1, 100, 99), (0,), 1),  # 1/200 = 0.5 → 1 (not 0)
        ((1, 100, 99), (1, 2), 100),  # 199/200 = 99.5 → 100
        ((5, 5, 10), (), 0),  # nothing done
        ((5, 5, 10), (0, 1, 2), 100),  # everything done
        ((100,), (0,), 100),
    ],
)
def test_weighted_percent(weights, done, percent) -> None:
    assert execution.weighted_percent(stones(*weights, done=done)) == percent


def test_weighted_percent_of_nothing_is_none() -> None:
    assert execution.weighted_percent([]) is None


def test_progress_follows_the_milestones_over_any_update() -> None:
    # 3/4 done; an update saying 10 % is ignored once there are milestones.
    assert execution.derive_progress("in_progress", stones(3, 1, done=(0,)), 10) == 75
    assert execution.derive_progress("in_progress", stones(3, 1), 90) == 0


def test_progress_from_the_latest_update_without_milestones() -> None:
    assert execution.derive_progress("in_progress", [], 40) == 40
    assert execution.derive_progress("in_progress", [], 0) == 0


def test_progress_is_100_once_completed() -> None:
    assert execution.derive_progress("completed", stones(1, 1), None) == 100
    assert execution.derive_progress("completed", [], 20) == 100
    assert execution.derive_progress("completed", [], None) == 100


def test_progress_is_none_before_anything() -> None:
    for status in ("adopted", "budgeted", "in_progress"):
        assert execution.derive_progress(status, [], None) is None


# -- the stored, derived values through the services -------------------------------------------


@pytest.fixture
def people(make_user, make_department):
    implementing = make_department("情報政策課")
    return {
        "author": make_user(department=make_department("住民課")),
        "doer": make_user(department=implementing),
        "implementing": implementing,
    }


def executing(session: Session, people, status: Status = Status.in_progress, **fields):
    proposal = proposal_in(session, status, author=people["author"])
    proposal.implementing_department_id = people["implementing"].id
    for name, value in fields.items():
        setattr(proposal, name, value)
    session.add(proposal)
    session.commit()
    session.refresh(proposal)
    return proposal


def test_stored_progress_through_the_services(session: Session, people) -> None:
    doer = people["doer"]
    proposal = executing(session, people)
    assert proposal.progress_percent is None

    def progress() -> int | None:
        session.expire_all()
        return session.get(Proposal, proposal.id).progress_percent

    for percent in (20, 60, 30):  # the latest counts, not the largest
        execution.add_progress(
            session,
            proposal_id=proposal.id,
            user=doer,
            body={"percent": percent, "note": "進捗"},
            expected_version=None,
        )
    assert progress() == 30
    first = execution.add_milestone(
        session,
        proposal_id=proposal.id,
        user=doer,
        body={"title": "設計", "due_date": "2026-06-01", "weight": 3},
        expected_version=None,
    )
    second = execution.add_milestone(
        session,
        proposal_id=proposal.id,
        user=doer,
        body={"title": "導入", "due_date": "2026-07-01"},
        expected_version=None,
    )
    assert progress() == 0  # milestones now rule: nothing done
    execution.update_milestone(
        session,
        proposal_id=proposal.id,
        milestone_id=first.id,
        user=doer,
        body={"done": True},
        expected_version=None,
    )
    assert progress() == 75  # 3 of 4
    execution.update_milestone(
        session,
        proposal_id=proposal.id,
        milestone_id=second.id,
        user=doer,
        body={"weight": 5},
        expected_version=None,
    )
    assert progress() == 38  # 3 of 8 = 37.5 → 38
    for milestone in (first, second):
        execution.delete_milestone(
            session,
            proposal_id=proposal.id,
            milestone_id=milestone.id,
            user=doer,
            expected_version=None,
        )
    assert progress() == 30  # back to the latest update


# -- overdue -------------------------------------------------------------------------------------


def with_milestones(session: Session, proposal: Proposal, *dues: tuple[date, date | None]):
    """Adds milestones (due date, done on) and brings the derived columns up to date."""
    for due, done in dues:
        session.add(Milestone(proposal_id=proposal.id, title="工程", due_date=due, done_on=done))
    execution.refresh_derived(session, proposal)
    session.commit()
    session.refresh(proposal)
    return proposal


OVERDUE_CASES = {
    # name: (status, milestones as (due, done on), planned end date, overdue?)
    "open milestone due yesterday": (Status.in_progress, [(YESTERDAY, None)], None, True),
    "open milestone due today": (Status.in_progress, [(TODAY, None)], None, False),
    "open milestone due tomorrow": (Status.in_progress, [(TOMORROW, None)], None, False),
    "milestone done late": (
        Status.in_progress,
        [(TODAY - timedelta(days=10), TODAY - timedelta(days=3))],
        None,
        False,
    ),
    "one of two open late": (
        Status.in_progress,
        [(TODAY - timedelta(days=10), TODAY - timedelta(days=12)), (YESTERDAY, None)],
        None,
        True,
    ),
    "planned end date passed": (Status.in_progress, [], YESTERDAY, True),
    "planned end date today": (Status.in_progress, [], TODAY, False),
    "planned end passed, milestones done": (
        Status.in_progress,
        [(YESTERDAY, YESTERDAY)],
        YESTERDAY,
        True,
    ),
    "nothing planned": (Status.in_progress, [], None, False),
    "completed with everything late": (Status.completed, [(YESTERDAY, None)], YESTERDAY, False),
    "adopted with a late milestone": (Status.adopted, [(YESTERDAY, None)], None, True),
    "budgeted with a late milestone": (Status.budgeted, [(YESTERDAY, None)], None, True),
    "adopted, milestone due today": (Status.adopted, [(TODAY, None)], None, False),
    "deferred with a late planned end": (Status.deferred, [], YESTERDAY, False),
}


@pytest.mark.parametrize("case", list(OVERDUE_CASES))
def test_is_overdue(case: str, session: Session, people) -> None:
    status, dues, planned_end, want = OVERDUE_CASES[case]
    proposal = executing(session, people, status, planned_end_date=planned_end)
    with_milestones(session, proposal, *dues)
    assert execution.is_overdue(proposal) is want  # today() from the fixed clock
    assert execution.is_overdue(proposal, TODAY) is want


def test_milestone_overdue() -> None:
    going = Status.in_progress.value
    assert execution.milestone_overdue(stones(1)[0], going, TOMORROW) is True  # due today
    (today,) = stones(1)
    assert execution.milestone_overdue(today, going) is False  # due today
    late = Milestone(proposal_id=1, title="遅れ", due_date=YESTERDAY, weight=1)
    assert execution.milestone_overdue(late, going) is True
    assert execution.milestone_overdue(late, Status.budgeted.value) is True
    # A completed proposal's leftover milestone is not overdue (nor is the proposal).
    assert execution.milestone_overdue(late, Status.completed.value) is False
    late.done_on = TODAY  # done late: no longer overdue
    assert execution.milestone_overdue(late, going) is False


def test_the_sql_clause_agrees_with_is_overdue(session: Session, people) -> None:
    built = {}
    for case, (status, dues, planned_end, _) in OVERDUE_CASES.items():
        proposal = executing(session, people, status, planned_end_date=planned_end)
        built[with_milestones(session, proposal, *dues).id] = case
    for on in (YESTERDAY, TODAY, TOMORROW, TODAY + timedelta(days=30)):
        in_sql = set(session.exec(select(Proposal.id).where(execution.overdue_clause(on))).all())
        rows = session.exec(select(Proposal).order_by(col(Proposal.id))).all()
        in_python = {p.id for p in rows if execution.is_overdue(p, on)}
        assert in_sql == in_python, on
    today_overdue = {
        built[i]
        for i in session.exec(select(Proposal.id).where(execution.overdue_clause(TODAY))).all()
    }
    assert today_overdue == {case for case, c in OVERDUE_CASES.items() if c[3]}


def test_the_board_and_home_counts_use_the_same_rule(session: Session, people, make_user) -> None:
    late = executing(session, people)
    with_milestones(session, late, (YESTERDAY, None), (TODAY + timedelta(days=3), None))
    on_time = executing(session, people, Status.budgeted)
    with_milestones(session, on_time, (TODAY + timedelta(days=7), None))
    far = executing(session, people)
    with_milestones(session, far, (TODAY + timedelta(days=8), None))
    doer = people["doer"]
    view = execution_board.board(session, user=doer)
    assert view.overdue_ids == {late.id}
    assert [p.id for p in view.in_progress] == [late.id, far.id]
    assert [p.id for p in view.waiting] == [on_time.id]
    # due within 7 days: late's second (in 3 days) and on_time's (in 7); not far's (in 8).
    assert execution_board.due_counts(session, user=doer) == {
        "overdue": 1,
        "due_soon": 2,
        "to_start": 1,
    }
    secretariat = make_user(Role.secretariat)
    assert execution_board.due_counts(session, user=secretariat) == {
        "overdue": 0,
        "due_soon": 0,
        "to_start": 0,
    }
