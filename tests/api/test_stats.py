"""GET /api/v1/stats (issue 7): every figure checked against numbers worked out by hand on
a small fixed data set, the bad-input answers, and that the number of queries does not grow
with the number of proposals."""

from types import SimpleNamespace

import pytest
from sqlalchemy import event
from sqlmodel import Session

from app.models.enums import Role, Status
from tests.stats_data import YEAR, days, fixed_year, put

API = "/api/v1/stats"


@pytest.fixture
def data(session: Session, make_user, make_department) -> SimpleNamespace:
    """tests/stats_data.py's fixed year and a secretariat reader in department A."""
    data = fixed_year(session, make_user, make_department)
    data.staff = make_user(Role.secretariat, department=data.a)
    return data


def test_figures_match_the_hand_computed_ones(data, api_as) -> None:
    response = api_as(data.staff).get(API, params={"fiscal_year": YEAR})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["fiscal_year"] == 2026 and body["fiscal_year_label"] == "令和8年度"
    assert body["by_status"] == {
        "draft": 1, "submitted": 1, "returned": 0, "not_accepted": 0, "in_review": 0,
        "adopted": 1, "deferred": 1, "rejected": 1, "budgeted": 0, "in_progress": 1,
        "completed": 1, "withdrawn": 0,
    }  # fmt: skip
    assert body["proposals"] == 6  # drafts left out
    # adopted: P1, P2, P4; decided: those + P3 (rejected) + P5 (deferred)
    assert (body["adopted"], body["decided"], body["completed"]) == (3, 5, 1)
    assert body["adoption_rate"] == 0.6
    assert body["implementation_rate"] == 0.3333
    # proposers a1, a2, b1, b2 of 6 active staff (a1–a3, b1, b2 and the secretariat user)
    assert (body["proposers"], body["active_staff"]) == (4, 6)
    assert body["participation_rate"] == 0.6667
    assert body["budget"] == {"requested_yen": 1_500_000, "approved_yen": 1_100_000}
    assert body["effects"] == {
        "hours_saved_estimated": 160.5,  # 100 + 50 + 10.5 (P3 was rejected)
        "hours_saved_target": 80.0,
        "hours_saved_actual": 120.0,
        "savings_yen_estimated": 10_000,
        "savings_yen_target": 0,
        "savings_yen_actual": 20_000,
        "actual_cost_yen": 5_000,
        "hourly_staff_cost_yen": 4_000,
        "hours_as_yen_estimated": 642_000,  # 160.5 × 4,000
        "hours_as_yen_target": 320_000,
        "hours_as_yen_actual": 480_000,
        # hours as yen + 削減額 (money other than staff time): staff time counted once
        "total_yen_estimated": 652_000,
        "total_yen_target": 320_000,
        "total_yen_actual": 500_000,
    }
    # intake 2,4,6,1,3 → 3; review 8,16,6,3,5 → 6; preparation 10,14 → 12; execution 30
    assert body["median_days"] == {
        "intake": 3.0, "review": 6.0, "preparation": 12.0, "execution": 30.0,
    }  # fmt: skip


def test_by_initiative_lists_all_twelve_and_none(data, api_as) -> None:
    rows = api_as(data.staff).get(API, params={"fiscal_year": YEAR}).json()["by_initiative"]
    assert [r["number"] for r in rows] == [*range(1, 13), None]
    first, second, third, none = rows[0], rows[1], rows[2], rows[-1]
    assert (first["proposals"], first["adopted"], first["completed"]) == (2, 2, 1)
    assert (first["approved_yen"], first["requested_yen"]) == (1_100_000, 1_300_000)
    assert (first["hours_saved_estimated"], first["hours_saved_actual"]) == (150.0, 120.0)
    assert (second["proposals"], second["adopted"], second["hours_saved_estimated"]) == (2, 0, 0)
    assert third["proposals"] == 1
    assert none["initiative_id"] is None
    assert (none["proposals"], none["adopted"], none["requested_yen"]) == (1, 1, 200_000)
    assert none["approved_yen"] == 0 and none["hours_saved_estimated"] == 10.5
    assert all(r["proposals"] == 0 for r in rows[3:12])


def test_by_department_counts_proposers_and_staff(data, api_as) -> None:
    rows = api_as(data.staff).get(API, params={"fiscal_year": YEAR}).json()["by_department"]
    by_name = {r["name"]: r for r in rows}
    a, b = by_name["企画課"], by_name["住民課"]
    # A: P1, P2 (a1), P3 (a2); staff a1–a3 + the secretariat user
    assert (a["proposals"], a["proposers"], a["staff"]) == (3, 2, 4)
    assert (a["participation_rate"], a["proposals_per_head"]) == (0.5, 0.75)
    # B: P4, P5 (b1), P7 (b2); staff b1, b2 (the inactive one is not counted)
    assert (b["proposals"], b["proposers"], b["staff"]) == (3, 2, 2)
    assert (b["participation_rate"], b["proposals_per_head"]) == (1.0, 1.5)


def test_one_initiative_alone(data, api_as) -> None:
    body = api_as(data.staff).get(API, params={"fiscal_year": YEAR, "initiative_id": data.ids[1]})
    body = body.json()
    assert body["proposals"] == 2 and body["by_status"]["draft"] == 1
    assert [r["number"] for r in body["by_initiative"]] == [1]
    assert body["budget"] == {"requested_yen": 1_300_000, "approved_yen": 1_100_000}
    assert body["implementation_rate"] == 0.5


def test_an_empty_year_has_zeros_and_undefined_rates(data, api_as) -> None:
    body = api_as(data.staff).get(API, params={"fiscal_year": 2030}).json()
    assert body["proposals"] == 0 and set(body["by_status"].values()) == {0}
    assert body["adoption_rate"] is None and body["implementation_rate"] is None
    assert body["participation_rate"] == 0.0
    assert body["median_days"] == dict.fromkeys(["intake", "review", "preparation", "execution"])


@pytest.mark.parametrize("year", ["abc", "1999", "2101", "-1", "2026.5", "令和8"])
def test_an_absurd_fiscal_year_is_422(year, data, api_as) -> None:
    response = api_as(data.staff).get(API, params={"fiscal_year": year})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_an_unknown_initiative_is_422(data, api_as) -> None:
    response = api_as(data.staff).get(API, params={"fiscal_year": YEAR, "initiative_id": 999})
    assert response.status_code == 422


def test_signed_in_users_only(client, data) -> None:
    assert client.get(API, params={"fiscal_year": YEAR}).status_code == 401


@pytest.mark.parametrize("role", [None, Role.reviewer, Role.finance, Role.admin])
def test_any_signed_in_role_may_read(role, data, api_as, make_user) -> None:
    user = make_user(*([role] if role else []))
    assert api_as(user).get(API, params={"fiscal_year": YEAR}).status_code == 200


def test_query_count_does_not_grow_with_proposals(session, make_user, api_as, db_engine) -> None:
    author = make_user()
    reader = api_as(make_user(Role.secretariat))
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    def queries_for(n: int) -> int:
        for i in range(n):
            status = [Status.adopted, Status.completed, Status.in_review, Status.draft][i % 4]
            put(session, author, status, accepted_at=days(1), decided_at=days(5))
        statements.clear()
        event.listen(db_engine, "before_cursor_execute", count)
        try:
            assert reader.get(API, params={"fiscal_year": YEAR}).status_code == 200
        finally:
            event.remove(db_engine, "before_cursor_execute", count)
        return len(statements)

    few = queries_for(4)
    many = queries_for(40)
    assert few == many
    assert few <= 12
