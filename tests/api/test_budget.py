"""Budgeting (issue 5) through the API: finance records a proposal's budget request, marks
it not required, approves it (as requested or reduced) or denies it and requests again for a
later fiscal year; who may do that, in which status, with which values — and that a request
that fails writes nothing.

The builders at the top are shared with test_budget_totals.py and test_budget_exports.py.
"""

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import BudgetRecord, Proposal, ProposalEvent, User
from app.models.enums import Role, Status
from app.wareki import fiscal_year_of, today_jst
from tests.helpers import proposal_in

API = "/api/v1"
# The current fiscal year, from the clock: budget.year_window allows THIS_YEAR - 1 … + 5.
THIS_YEAR = fiscal_year_of(today_jst())
NEXT_YEAR = THIS_YEAR + 1
ACCOUNT = "2款1項1目 一般管理費"
NOTE = "国庫補助（補助率1/2）を見込む"
FULL = {
    "required": True,
    "fiscal_year": NEXT_YEAR,
    "budget_type": "initial",
    "requested_yen": 1500000,
    "account": ACCOUNT,
    "funding_source": "subsidy",
    "note": NOTE,
}


def reiwa(fiscal_year: int) -> str:
    """令和N年度, written out by hand (令和元年度 is 2019)."""
    return f"令和{fiscal_year - 2018}年度"


# -- shared builders ----------------------------------------------------------------------


@pytest.fixture
def cast(make_user, make_department) -> SimpleNamespace:
    home = make_department("住民課")
    implementing = make_department("情報政策課")
    elsewhere = make_department("総務課")
    return SimpleNamespace(
        home=home,
        implementing=implementing,
        elsewhere=elsewhere,
        author=make_user(department=home, name="提案 太郎"),
        finance=make_user(Role.finance, department=elsewhere, name="財政 一郎"),
        # Finance who is also secretariat sees proposals from submission on.
        finance_secretariat=make_user(Role.finance, Role.secretariat, department=elsewhere),
        secretariat=make_user(Role.secretariat, department=elsewhere),
        implementer=make_user(department=implementing),
        admin=make_user(Role.admin, department=elsewhere),
        staff=make_user(department=elsewhere),
    )


def proposal(
    session: Session,
    author: User,
    status: Status = Status.adopted,
    *,
    implementing_department_id: int | None = None,
    initiative_id: int | None = None,
    decided_at: datetime | None = None,
    title: str = "窓口予約システムの導入",
) -> Proposal:
    """A proposal put straight into `status`, with its decision's fields set."""
    p = proposal_in(session, status, author=author, title=title)
    if status not in (Status.draft, Status.submitted, Status.returned, Status.in_review):
        p.implementing_department_id = implementing_department_id
        p.initiative_id = initiative_id
        p.decided_at = decided_at or datetime(THIS_YEAR, 6, 1, 3, 0, tzinfo=UTC)
        session.add(p)
        session.commit()
        session.refresh(p)
    return p


def adopted(session: Session, cast: SimpleNamespace, **fields: Any) -> Proposal:
    return proposal(session, cast.author, implementing_department_id=cast.implementing.id, **fields)


def put(api: TestClient, pid: int, headers: dict | None = None, **body: Any):
    return api.put(f"{API}/proposals/{pid}/budget", json=body, headers=headers or {})


def approve(api: TestClient, pid: int, body: Any = None, headers: dict | None = None):
    return api.post(f"{API}/proposals/{pid}/budget/approve", json=body, headers=headers or {})


def deny(api: TestClient, pid: int, body: Any = None):
    return api.post(f"{API}/proposals/{pid}/budget/deny", json=body)


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def state(session: Session, pid: int) -> tuple:
    """Everything a budget request may write: the proposal's status and version, its event
    count and every field of every budget record."""
    session.expire_all()
    p = session.get(Proposal, pid)
    events = session.exec(
        select(func.count()).select_from(ProposalEvent).where(ProposalEvent.proposal_id == pid)
    ).one()
    records = session.exec(
        select(BudgetRecord).where(BudgetRecord.proposal_id == pid).order_by(col(BudgetRecord.id))
    ).all()
    return p.status, p.version, events, [r.model_dump() for r in records]


def budget_events(api: TestClient, pid: int) -> list[dict]:
    items = ok(api.get(f"{API}/proposals/{pid}/events"))["items"]
    return [e for e in items if e["action"] in ("budget", "approve-budget", "budget-deny")]


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


# -- recording a request ---------------------------------------------------------------------


@pytest.mark.parametrize("requested", [1500000, "１，５００，０００円", "1,500,000"])
def test_finance_records_a_request(cast, api_as, session, requested) -> None:
    p = adopted(session, cast)
    api = api_as(cast.finance)
    before = ok(api.get(f"{API}/proposals/{p.id}"))
    assert before["allowed_actions"] == []  # nothing to approve before a request

    record = ok(put(api, p.id, **{**FULL, "requested_yen": requested}))
    assert {k: v for k, v in record.items() if k not in ("id", "created_at", "updated_at")} == {
        "proposal_id": p.id,
        "required": True,
        "fiscal_year": NEXT_YEAR,
        "fiscal_year_label": reiwa(NEXT_YEAR),
        "budget_type": "initial",
        "requested_yen": 1500000,
        "approved_yen": None,
        "account": ACCOUNT,
        "funding_source": "subsidy",
        "note": NOTE,
        "status": "requested",
        "decided_at": None,
    }

    after = ok(api.get(f"{API}/proposals/{p.id}"))
    assert after["status"] == "adopted"
    assert after["version"] == before["version"] + 1
    assert after["allowed_actions"] == ["approve-budget"]
    (event,) = budget_events(api, p.id)
    assert event["action"] == "budget"
    assert event["actor_id"] == cast.finance.id
    assert (event["from_status"], event["to_status"]) == (None, None)
    assert event["changes"] == {
        "required": [None, True],
        "fiscal_year": [None, NEXT_YEAR],
        "budget_type": [None, "initial"],
        "requested_yen": [None, 1500000],
        "account": [None, ACCOUNT],
        "funding_source": [None, "subsidy"],
        "note": [None, NOTE],
        "status": [None, "requested"],
    }

    listed = ok(api.get(f"{API}/proposals/{p.id}/budget"))
    assert (listed["total"], listed["current"]["id"]) == (1, record["id"])
    assert [r["id"] for r in listed["items"]] == [record["id"]]


def test_defaults_and_correcting_a_request(cast, api_as, session) -> None:
    p = adopted(session, cast)
    api = api_as(cast.finance)
    version = p.version
    first = ok(put(api, p.id, required=True, fiscal_year=THIS_YEAR, requested_yen="80万円"))
    # Unnamed fields take their defaults: 当初予算, 一般財源, no account, no note.
    assert (first["budget_type"], first["funding_source"]) == ("initial", "general")
    assert (first["account"], first["note"], first["requested_yen"]) == (None, None, 800000)

    second = ok(
        put(
            api,
            p.id,
            required=True,
            fiscal_year=THIS_YEAR,
            budget_type="supplementary",
            requested_yen="９５０，０００",
        )
    )
    # The same record, corrected; the change is an event naming only what changed.
    assert second["id"] == first["id"]
    assert (second["budget_type"], second["requested_yen"]) == ("supplementary", 950000)
    assert ok(api.get(f"{API}/proposals/{p.id}/budget"))["total"] == 1
    events = budget_events(api, p.id)
    assert [e["action"] for e in events] == ["budget", "budget"]
    assert events[1]["changes"] == {
        "budget_type": ["initial", "supplementary"],
        "requested_yen": [800000, 950000],
    }
    assert ok(api.get(f"{API}/proposals/{p.id}"))["version"] == version + 2


def test_the_fiscal_year_window_includes_its_ends(cast, api_as, session) -> None:
    api = api_as(cast.finance)
    for year in (THIS_YEAR - 1, THIS_YEAR + 5):
        p = adopted(session, cast)
        record = ok(put(api, p.id, required=True, fiscal_year=year, requested_yen=1))
        assert (record["fiscal_year"], record["fiscal_year_label"]) == (year, reiwa(year))


def test_marking_not_required(cast, api_as, session) -> None:
    p = adopted(session, cast)
    api = api_as(cast.finance)
    record = ok(
        put(
            api,
            p.id,
            required=False,
            fiscal_year=THIS_YEAR,
            budget_type="existing",
            requested_yen=300000,  # no money is requested when none is required
            note="既定予算内で対応",
        )
    )
    assert (record["required"], record["status"]) == (False, "not_required")
    assert (record["requested_yen"], record["approved_yen"]) == (None, None)
    assert (record["budget_type"], record["note"]) == ("existing", "既定予算内で対応")
    shown = ok(api.get(f"{API}/proposals/{p.id}"))
    assert shown["status"] == "adopted"  # the implementing department may start at once
    assert "approve-budget" not in shown["allowed_actions"]
    (event,) = budget_events(api, p.id)
    assert event["changes"]["status"] == [None, "not_required"]
    assert event["changes"]["required"] == [None, False]
    assert "requested_yen" not in event["changes"]

    # Nothing is waiting, so there is nothing to approve or deny.
    before = state(session, p.id)
    assert_problem(approve(api, p.id, {"approved_yen": 100000}), 409)
    assert_problem(deny(api, p.id, {"reason": "不要"}), 409)
    assert state(session, p.id) == before

    # Finance may change its mind while the proposal is still adopted: the same record.
    again = ok(put(api, p.id, required=True, fiscal_year=NEXT_YEAR, requested_yen=400000))
    assert again["id"] == record["id"]
    assert (again["status"], again["requested_yen"]) == ("requested", 400000)


# -- approving ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("approved", "approved_yen", "status"),
    [
        (1500000, 1500000, "approved"),
        ("１，５００，０００円", 1500000, "approved"),
        ("１，２００，０００円", 1200000, "reduced"),
        (1, 1, "reduced"),
    ],
)
def test_approve(cast, api_as, session, approved, approved_yen, status) -> None:
    p = adopted(session, cast)
    api = api_as(cast.finance)
    ok(put(api, p.id, **FULL))
    version = ok(api.get(f"{API}/proposals/{p.id}"))["version"]

    response = approve(api, p.id, {"approved_yen": approved})
    shown = ok(response)
    assert shown["id"] == p.id
    assert (shown["status"], shown["version"]) == ("budgeted", version + 1)
    assert response.headers["ETag"] == f'"{version + 1}"'
    assert "approve-budget" not in shown["allowed_actions"]

    listed = ok(api.get(f"{API}/proposals/{p.id}/budget"))
    assert listed["total"] == 1
    record = listed["current"]
    assert (record["status"], record["requested_yen"], record["approved_yen"]) == (
        status,
        1500000,
        approved_yen,
    )
    assert record["decided_at"] is not None

    events = budget_events(api, p.id)
    assert [e["action"] for e in events] == ["budget", "approve-budget"]
    event = events[1]
    assert (event["from_status"], event["to_status"], event["actor_id"]) == (
        "adopted",
        "budgeted",
        cast.finance.id,
    )
    assert event["changes"] == {
        "approved_yen": approved_yen,
        "requested_yen": 1500000,
        "fiscal_year": NEXT_YEAR,
        "budget_status": status,
    }
    session.expire_all()
    stored = session.exec(select(BudgetRecord).where(BudgetRecord.proposal_id == p.id)).one()
    assert stored.decided_by_id == cast.finance.id

    # Approving twice: the proposal is budgeted now.
    before = state(session, p.id)
    problem = assert_problem(approve(api, p.id, {"approved_yen": approved}), 409)
    assert "budgeted" in problem["detail"]
    assert state(session, p.id) == before


@pytest.mark.parametrize(
    "body",
    [
        {"approved_yen": 0},
        {"approved_yen": "０円"},
        {"approved_yen": -1},
        {"approved_yen": "-500000"},
        {"approved_yen": 1.5},
        {"approved_yen": "1.5"},
        {"approved_yen": "abc"},
        {"approved_yen": True},
        {"approved_yen": None},
        {},
        None,
        {"approved_yen": 1000, "status": "approved"},
    ],
)
def test_bad_approvals_write_nothing(cast, api_as, session, body) -> None:
    p = adopted(session, cast)
    api = api_as(cast.finance)
    ok(put(api, p.id, **FULL))
    before = state(session, p.id)
    problem = assert_problem(approve(api, p.id, body), 422)
    assert problem["errors"], problem
    assert state(session, p.id) == before
    assert before[0] == "adopted" and before[3][0]["status"] == "requested"


def test_approving_with_nothing_requested(cast, api_as, session) -> None:
    p = adopted(session, cast)
    api = api_as(cast.finance)
    before = state(session, p.id)
    assert_problem(approve(api, p.id, {"approved_yen": 1000}), 409)
    # An invalid amount is still 422 first (API.md: 422 before 409).
    assert_problem(approve(api, p.id, {"approved_yen": 0}), 422)
    assert state(session, p.id) == before
    assert before[3] == []


def test_put_with_an_approved_amount_approves_at_once(cast, api_as, session) -> None:
    p = adopted(session, cast)
    api = api_as(cast.finance)
    version = p.version
    record = ok(put(api, p.id, **{**FULL, "approved_yen": "９００，０００円"}))
    assert (record["status"], record["requested_yen"], record["approved_yen"]) == (
        "reduced",
        1500000,
        900000,
    )
    assert record["decided_at"] is not None
    shown = ok(api.get(f"{API}/proposals/{p.id}"))
    assert (shown["status"], shown["version"]) == ("budgeted", version + 2)
    events = budget_events(api, p.id)
    assert [(e["action"], e["from_status"], e["to_status"]) for e in events] == [
        ("budget", None, None),
        ("approve-budget", "adopted", "budgeted"),
    ]
    assert events[1]["changes"]["approved_yen"] == 900000

    full = adopted(session, cast)
    record = ok(put(api, full.id, **{**FULL, "approved_yen": 1500000}))
    assert (record["status"], record["approved_yen"]) == ("approved", 1500000)


@pytest.mark.parametrize("approved", [0, -1, 1.5, "abc"])
def test_put_with_a_bad_approved_amount_writes_nothing(cast, api_as, session, approved) -> None:
    p = adopted(session, cast)
    api = api_as(cast.finance)
    before = state(session, p.id)
    assert_problem(put(api, p.id, **{**FULL, "approved_yen": approved}), 422)
    assert state(session, p.id) == before


# -- denying and requesting again ----------------------------------------------------------


def test_deny_and_request_again_for_a_later_year(cast, api_as, session) -> None:
    p = adopted(session, cast)
    api = api_as(cast.finance)
    first = ok(put(api, p.id, **FULL))

    for body in ({"reason": "   "}, {"reason": ""}, {}, None, {"reason": "財源不足", "x": 1}):
        before = state(session, p.id)
        assert_problem(deny(api, p.id, body), 422)
        assert state(session, p.id) == before

    denied = ok(deny(api, p.id, {"reason": "財源不足のため見送り"}))
    assert denied["id"] == first["id"]
    assert (denied["status"], denied["requested_yen"], denied["approved_yen"]) == (
        "denied",
        1500000,
        0,
    )
    assert denied["decided_at"] is not None
    shown = ok(api.get(f"{API}/proposals/{p.id}"))
    assert shown["status"] == "adopted"  # a denial does not end the proposal
    assert "approve-budget" not in shown["allowed_actions"]
    event = budget_events(api, p.id)[-1]
    assert (event["action"], event["reason"], event["actor_id"]) == (
        "budget-deny",
        "財源不足のため見送り",
        cast.finance.id,
    )
    assert event["changes"] == {"fiscal_year": NEXT_YEAR, "requested_yen": 1500000}

    # Nothing is waiting any more.
    before = state(session, p.id)
    assert_problem(deny(api, p.id, {"reason": "再度"}), 409)
    assert_problem(approve(api, p.id, {"approved_yen": 1500000}), 409)
    assert state(session, p.id) == before

    # The same or an earlier fiscal year is refused, whatever else is sent.
    for year in (NEXT_YEAR, THIS_YEAR, THIS_YEAR - 1):
        problem = assert_problem(put(api, p.id, **{**FULL, "fiscal_year": year}), 422)
        assert problem["errors"][0]["loc"] == ["body", "fiscal_year"]
        assert reiwa(NEXT_YEAR) in problem["errors"][0]["msg"]
        assert state(session, p.id) == before

    # A later year is a new request; the denied one stays in the history.
    later = ok(
        put(api, p.id, **{**FULL, "fiscal_year": NEXT_YEAR + 1, "budget_type": "supplementary"})
    )
    assert later["id"] != first["id"]
    assert (later["status"], later["fiscal_year"], later["approved_yen"]) == (
        "requested",
        NEXT_YEAR + 1,
        None,
    )
    listed = ok(api.get(f"{API}/proposals/{p.id}/budget"))
    assert listed["total"] == 2
    assert [(r["id"], r["status"], r["fiscal_year"]) for r in listed["items"]] == [
        (later["id"], "requested", NEXT_YEAR + 1),
        (first["id"], "denied", NEXT_YEAR),
    ]
    assert listed["current"]["id"] == later["id"]
    assert ok(api.get(f"{API}/proposals/{p.id}"))["allowed_actions"] == ["approve-budget"]

    # …and it can be approved; the denied record is left as it was.
    shown = ok(approve(api, p.id, {"approved_yen": 1500000}))
    assert shown["status"] == "budgeted"
    items = ok(api.get(f"{API}/proposals/{p.id}/budget"))["items"]
    assert [(r["status"], r["approved_yen"]) for r in items] == [
        ("approved", 1500000),
        ("denied", 0),
    ]
    assert [e["action"] for e in budget_events(api, p.id)] == [
        "budget",
        "budget-deny",
        "budget",
        "approve-budget",
    ]


# -- status and who ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        Status.in_review,
        Status.deferred,
        Status.rejected,
        Status.budgeted,
        Status.in_progress,
        Status.completed,
    ],
)
def test_a_proposal_that_is_not_adopted(cast, api_as, session, status) -> None:
    p = proposal(session, cast.author, status, implementing_department_id=cast.implementing.id)
    # in_review, deferred and rejected are visible to finance only as secretariat too.
    who = cast.finance if status in (Status.budgeted, Status.completed) else None
    api = api_as(who or cast.finance_secretariat)
    before = state(session, p.id)
    problem = assert_problem(put(api, p.id, **FULL), 409)
    assert status.value in problem["detail"]
    problem = assert_problem(approve(api, p.id, {"approved_yen": 1000}), 409)
    assert status.value in problem["detail"]
    assert_problem(deny(api, p.id, {"reason": "見送り"}), 409)
    # 422 still comes before 409.
    assert_problem(put(api, p.id, **{**FULL, "budget_type": "special"}), 422)
    assert_problem(approve(api, p.id, {"approved_yen": -1}), 422)
    assert state(session, p.id) == before


def test_in_review_is_not_found_for_plain_finance(cast, api_as, session) -> None:
    p = proposal(session, cast.author, Status.in_review)
    api = api_as(cast.finance)
    before = state(session, p.id)
    assert_problem(put(api, p.id, **FULL), 404)
    assert_problem(approve(api, p.id, {"approved_yen": 1000}), 404)
    assert_problem(deny(api, p.id, {"reason": "見送り"}), 404)
    assert_problem(api.get(f"{API}/proposals/{p.id}/budget"), 404)
    assert state(session, p.id) == before


@pytest.mark.parametrize("who", ["secretariat", "author", "implementer", "admin", "staff"])
def test_only_finance_changes_a_budget(cast, api_as, session, who) -> None:
    p = adopted(session, cast)
    ok(put(api_as(cast.finance), p.id, **FULL))
    api = api_as(getattr(cast, who))
    before = state(session, p.id)
    assert_problem(put(api, p.id, **FULL), 403)
    # 403 comes before 422.
    assert_problem(put(api, p.id, **{**FULL, "budget_type": "special"}), 403)
    assert_problem(approve(api, p.id, {"approved_yen": 1500000}), 403)
    assert_problem(approve(api, p.id, {"approved_yen": 0}), 403)
    assert_problem(deny(api, p.id, {"reason": "見送り"}), 403)
    assert_problem(deny(api, p.id, {}), 403)
    assert state(session, p.id) == before
    # They may still read it: an adopted proposal is visible to everyone.
    assert ok(api.get(f"{API}/proposals/{p.id}/budget"))["total"] == 1
    assert "approve-budget" not in ok(api.get(f"{API}/proposals/{p.id}"))["allowed_actions"]


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("author", 403),
        ("finance", 404),
        ("secretariat", 404),
        ("implementer", 404),
        ("admin", 404),
        ("staff", 404),
    ],
)
def test_a_draft_is_not_found_unless_seen(cast, api_as, session, who, code) -> None:
    p = proposal(session, cast.author, Status.draft)
    api = api_as(getattr(cast, who))
    before = state(session, p.id)
    assert_problem(put(api, p.id, **FULL), code)
    assert_problem(put(api, p.id, **{**FULL, "fiscal_year": 1900}), code)
    assert_problem(approve(api, p.id, {"approved_yen": 1000}), code)
    assert_problem(deny(api, p.id, {"reason": "見送り"}), code)
    assert state(session, p.id) == before


def test_a_finance_author_of_a_draft_gets_409(cast, api_as, session, make_user) -> None:
    author = make_user(Role.finance, department=cast.home)
    p = proposal(session, author, Status.draft)
    api = api_as(author)
    before = state(session, p.id)
    assert "draft" in assert_problem(put(api, p.id, **FULL), 409)["detail"]
    assert_problem(approve(api, p.id, {"approved_yen": 1000}), 409)
    assert state(session, p.id) == before


def test_unknown_proposal(cast, api_as, session) -> None:
    api = api_as(cast.finance)
    assert_problem(put(api, 987654, **FULL), 404)
    assert_problem(approve(api, 987654, {"approved_yen": 1000}), 404)
    assert_problem(deny(api, 987654, {"reason": "x"}), 404)
    assert_problem(api.get(f"{API}/proposals/987654/budget"), 404)


# -- bad values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"budget_type": "special"}, "budget_type"),
        ({"budget_type": "当初予算"}, "budget_type"),
        ({"funding_source": "bank"}, "funding_source"),
        ({"funding_source": None}, "funding_source"),
        ({"colour": "red"}, "colour"),
        ({"status": "approved"}, "status"),
        ({"proposal_id": 1}, "proposal_id"),
        ({"fiscal_year": THIS_YEAR - 2}, "fiscal_year"),
        ({"fiscal_year": THIS_YEAR + 6}, "fiscal_year"),
        ({"fiscal_year": 0}, "fiscal_year"),
        ({"fiscal_year": "来年"}, "fiscal_year"),
        ({"fiscal_year": None}, "fiscal_year"),
        ({"requested_yen": -1}, "requested_yen"),
        ({"requested_yen": "－１，０００円"}, "requested_yen"),
        ({"requested_yen": 1.5}, "requested_yen"),
        ({"requested_yen": "abc"}, "requested_yen"),
        ({"requested_yen": None}, "requested_yen"),
        ({"requested_yen": 0}, "requested_yen"),
        ({"requested_yen": 10**13}, "requested_yen"),
        ({"required": None}, "required"),
        ({"required": "maybe"}, "required"),
        ({"account": "x" * 101}, "account"),
    ],
)
def test_bad_values_write_nothing(cast, api_as, session, changes, field) -> None:
    p = adopted(session, cast)
    api = api_as(cast.finance)
    body = {**FULL, **changes}
    before = state(session, p.id)
    problem = assert_problem(put(api, p.id, **body), 422)
    assert ["body", field] in [e["loc"][:2] for e in problem["errors"]], problem
    assert state(session, p.id) == before


@pytest.mark.parametrize("missing", ["required", "fiscal_year"])
def test_missing_fields(cast, api_as, session, missing) -> None:
    p = adopted(session, cast)
    api = api_as(cast.finance)
    body = {k: v for k, v in FULL.items() if k != missing}
    before = state(session, p.id)
    problem = assert_problem(put(api, p.id, **body), 422)
    assert ["body", missing] in [e["loc"] for e in problem["errors"]]
    assert_problem(api.put(f"{API}/proposals/{p.id}/budget"), 422)  # no body at all
    assert state(session, p.id) == before


def test_required_without_an_amount(cast, api_as, session) -> None:
    p = adopted(session, cast)
    api = api_as(cast.finance)
    before = state(session, p.id)
    problem = assert_problem(put(api, p.id, required=True, fiscal_year=NEXT_YEAR), 422)
    assert [e["loc"] for e in problem["errors"]] == [["body", "requested_yen"]]
    assert state(session, p.id) == before


def test_a_bad_value_on_a_denied_record_writes_nothing(cast, api_as, session) -> None:
    p = adopted(session, cast)
    api = api_as(cast.finance)
    ok(put(api, p.id, **FULL))
    ok(deny(api, p.id, {"reason": "見送り"}))
    before = state(session, p.id)
    assert_problem(put(api, p.id, **{**FULL, "fiscal_year": NEXT_YEAR + 1, "x": 1}), 422)
    assert_problem(put(api, p.id, **{**FULL, "fiscal_year": THIS_YEAR + 6}), 422)
    assert state(session, p.id) == before


# -- If-Match ---------------------------------------------------------------------------------


def test_if_match(cast, api_as, session) -> None:
    p = adopted(session, cast)
    api = api_as(cast.finance)
    version = p.version
    etag = api.get(f"{API}/proposals/{p.id}").headers["ETag"]
    assert etag == f'"{version}"'
    ok(put(api, p.id, headers={"If-Match": etag}, **FULL))

    # The same ETag is stale now: 412 and nothing written, for the PUT and the approval.
    before = state(session, p.id)
    stale = {"If-Match": etag}
    assert_problem(put(api, p.id, headers=stale, **{**FULL, "requested_yen": 1}), 412)
    assert_problem(approve(api, p.id, {"approved_yen": 1000}, headers=stale), 412)
    assert_problem(put(api, p.id, headers={"If-Match": '"999"'}, **FULL), 412)
    assert state(session, p.id) == before
    # 422 comes before 412.
    assert_problem(put(api, p.id, headers=stale, **{**FULL, "budget_type": "x"}), 422)

    current = api.get(f"{API}/proposals/{p.id}").headers["ETag"]
    assert current == f'"{version + 1}"'
    shown = ok(approve(api, p.id, {"approved_yen": 1500000}, headers={"If-Match": current}))
    assert shown["status"] == "budgeted"
    # Once budgeted, a stale PUT is 409 (409 comes before 412).
    assert_problem(put(api, p.id, headers=stale, **FULL), 409)
