"""Finance's views (issue 5): the fiscal year's budget list with totals requested against
approved, by initiative and by implementing department (GET /api/v1/budget), and the queue
of adopted proposals awaiting a budget decision (GET /api/v1/budget/queue).

Every total below is summed by hand from the amounts the test records.
"""

from datetime import UTC, date, datetime

import pytest

from app.models.enums import Role, Status
from app.wareki import today_jst
from tests.api import review_support as review
from tests.api import test_budget as shared
from tests.api.test_budget import (
    API,
    NEXT_YEAR,
    THIS_YEAR,
    adopted,
    approve,
    assert_problem,
    deny,
    ok,
    proposal,
    put,
    reiwa,
)

# The shared fixtures (pytest finds fixtures by module attribute).
cast = shared.cast
app_with = review.app_with  # an app on other settings

INITIATIVE_A, INITIATIVE_B = 1, 2  # the plan's initiatives keep their numbers as ids


def request(api, pid: int, year: int, yen: int, budget_type: str = "initial") -> dict:
    body = {"required": True, "fiscal_year": year, "budget_type": budget_type}
    return ok(put(api, pid, **body, requested_yen=yen))


@pytest.fixture
def year_data(cast, make_department, api_as, session):
    """Six adopted proposals over two initiatives (and none), two implementing departments
    and two fiscal years:

    | # | initiative | dept | FY        | requested | approved | status       |
    |---|------------|------|-----------|-----------|----------|--------------|
    | 1 | A          | X    | NEXT      | 1,500,000 | 1,200,000| reduced      |
    | 2 | A          | Y    | NEXT      |   800,000 |   800,000| approved     |
    | 3 | B          | X    | NEXT      |   300,000 |        0 | denied       |
    | 3 | B          | X    | NEXT + 1  |   350,000 |        — | requested    |
    | 4 | B          | Y    | NEXT      |         — |        — | not_required |
    | 5 | B          | Y    | NEXT + 1  | 2,000,000 | 2,000,000| approved     |
    | 6 | none       | X    | NEXT + 1  |   100,000 |        — | requested    |
    """
    x = cast.implementing
    y = make_department("建設課")
    finance = api_as(cast.finance)

    def make(initiative, department, title):
        return proposal(
            session,
            cast.author,
            implementing_department_id=department.id,
            initiative_id=initiative,
            title=title,
        )

    p1 = make(INITIATIVE_A, x, "窓口予約システムの導入")
    p2 = make(INITIATIVE_A, y, "道路損傷の通報アプリ")
    p3 = make(INITIATIVE_B, x, "公用車の予約共有")
    p4 = make(INITIATIVE_B, y, "会議資料のペーパーレス化")
    p5 = make(INITIATIVE_B, y, "除雪車の位置情報共有")
    p6 = make(None, x, "庁内掲示板の電子化")

    request(finance, p1.id, NEXT_YEAR, 1500000)
    ok(approve(finance, p1.id, {"approved_yen": 1200000}))
    request(finance, p2.id, NEXT_YEAR, 800000, "supplementary")
    ok(approve(finance, p2.id, {"approved_yen": "８０万円"}))
    request(finance, p3.id, NEXT_YEAR, 300000)
    ok(deny(finance, p3.id, {"reason": "財源不足"}))
    request(finance, p3.id, NEXT_YEAR + 1, 350000)
    ok(put(finance, p4.id, required=False, fiscal_year=NEXT_YEAR, budget_type="existing"))
    request(finance, p5.id, NEXT_YEAR + 1, 2000000)
    ok(approve(finance, p5.id, {"approved_yen": 2000000}))
    request(finance, p6.id, NEXT_YEAR + 1, 100000)
    return x, y, (p1, p2, p3, p4, p5, p6)


def year(api, fiscal_year) -> dict:
    return ok(api.get(f"{API}/budget", params={"fiscal_year": fiscal_year}))


def test_the_year_of_the_first_requests(cast, api_as, year_data) -> None:
    x, y, (p1, p2, p3, _p4, _p5, _p6) = year_data
    listed = year(api_as(cast.finance), NEXT_YEAR)
    assert (listed["fiscal_year"], listed["fiscal_year_label"]) == (NEXT_YEAR, reiwa(NEXT_YEAR))
    # Only this year's records; the not-required one is left out; by proposal number.
    assert [
        (
            i["proposal_id"],
            i["number"],
            i["title"],
            i["initiative_id"],
            i["implementing_department_id"],
            i["budget_type"],
            i["requested_yen"],
            i["approved_yen"],
            i["status"],
            i["fiscal_year"],
            i["fiscal_year_label"],
        )
        for i in listed["items"]
    ] == [
        (
            p1.id,
            p1.number,
            "窓口予約システムの導入",
            1,
            x.id,
            "initial",
            1500000,
            1200000,
            "reduced",
            NEXT_YEAR,
            reiwa(NEXT_YEAR),
        ),
        (
            p2.id,
            p2.number,
            "道路損傷の通報アプリ",
            1,
            y.id,
            "supplementary",
            800000,
            800000,
            "approved",
            NEXT_YEAR,
            reiwa(NEXT_YEAR),
        ),
        (
            p3.id,
            p3.number,
            "公用車の予約共有",
            2,
            x.id,
            "initial",
            300000,
            0,
            "denied",
            NEXT_YEAR,
            reiwa(NEXT_YEAR),
        ),
    ]
    assert (listed["total"], listed["offset"]) == (3, 0)
    # 1,500,000 + 800,000 + 300,000 requested; 1,200,000 + 800,000 + 0 approved.
    assert listed["requested_yen_total"] == 2600000
    assert listed["approved_yen_total"] == 2000000
    assert listed["by_initiative"] == [
        {"initiative_id": 1, "requested_yen": 2300000, "approved_yen": 2000000, "records": 2},
        {"initiative_id": 2, "requested_yen": 300000, "approved_yen": 0, "records": 1},
    ]
    assert listed["by_department"] == [
        {"department_id": x.id, "requested_yen": 1800000, "approved_yen": 1200000, "records": 2},
        {"department_id": y.id, "requested_yen": 800000, "approved_yen": 800000, "records": 1},
    ]


def test_the_following_year(cast, api_as, year_data) -> None:
    x, y, (_p1, _p2, p3, _p4, p5, p6) = year_data
    listed = year(api_as(cast.secretariat), NEXT_YEAR + 1)  # the secretariat may read it too
    assert [(i["proposal_id"], i["status"], i["approved_yen"]) for i in listed["items"]] == [
        (p3.id, "requested", None),
        (p5.id, "approved", 2000000),
        (p6.id, "requested", None),
    ]
    # 350,000 + 2,000,000 + 100,000 requested; only 2,000,000 approved so far.
    assert listed["requested_yen_total"] == 2450000
    assert listed["approved_yen_total"] == 2000000
    assert listed["by_initiative"] == [
        {"initiative_id": 2, "requested_yen": 2350000, "approved_yen": 2000000, "records": 2},
        {"initiative_id": None, "requested_yen": 100000, "approved_yen": 0, "records": 1},
    ]
    assert listed["by_department"] == [
        {"department_id": x.id, "requested_yen": 450000, "approved_yen": 0, "records": 2},
        {"department_id": y.id, "requested_yen": 2000000, "approved_yen": 2000000, "records": 1},
    ]


def test_a_year_without_records(cast, api_as, year_data) -> None:
    listed = year(api_as(cast.finance), THIS_YEAR)
    assert listed["items"] == [] and listed["total"] == 0
    assert (listed["requested_yen_total"], listed["approved_yen_total"]) == (0, 0)
    assert (listed["by_initiative"], listed["by_department"]) == ([], [])


@pytest.mark.parametrize("who", ["staff", "author", "implementer", "admin"])
def test_the_year_is_for_finance_and_the_secretariat(cast, api_as, who) -> None:
    api = api_as(getattr(cast, who))
    assert_problem(api.get(f"{API}/budget", params={"fiscal_year": NEXT_YEAR}), 403)
    assert_problem(api.get(f"{API}/budget/queue"), 403)


def test_other_roles_are_refused(make_user, api_as) -> None:
    for role in (Role.supervisor, Role.reviewer):
        api = api_as(make_user(role))
        assert_problem(api.get(f"{API}/budget", params={"fiscal_year": NEXT_YEAR}), 403)
        assert_problem(api.get(f"{API}/budget/queue"), 403)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"fiscal_year": ""},
        {"fiscal_year": "来年"},
        {"fiscal_year": 1999},
        {"fiscal_year": 2101},
        {"fiscal_year": 99999},
        {"fiscal_year": -2026},
        {"fiscal_year": "2026.5"},
    ],
)
def test_a_missing_or_absurd_fiscal_year(cast, api_as, params) -> None:
    problem = assert_problem(api_as(cast.finance).get(f"{API}/budget", params=params), 422)
    assert problem["errors"][0]["loc"] == ["query", "fiscal_year"]


# -- the queue --------------------------------------------------------------------------------


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 3, 0, tzinfo=UTC)


def test_the_queue(cast, api_as, session) -> None:
    finance = api_as(cast.finance)

    def make(title, decided_at):
        return adopted(session, cast, decided_at=decided_at, title=title)

    # Decided in FY2022 with nothing recorded: it needs money in FY2023, requested by
    # 2022-11-30 (the default deadline, 30 November of the year before): late.
    old = make("旧来の提案", at(2022, 6, 1))
    # A request for last year's money (initial): due THIS_YEAR - 2 … late.
    last = make("昨年度分の要求", at(THIS_YEAR, 4, 10))
    request(finance, last.id, THIS_YEAR - 1, 100000)
    # Supplementary budgets go to the next council: no fixed deadline.
    supplementary = make("補正予算の要求", at(THIS_YEAR, 5, 1))
    request(finance, supplementary.id, NEXT_YEAR, 200000, "supplementary")
    # An initial request for next year's money: due 30 November this year.
    initial = make("当初予算の要求", at(THIS_YEAR, 7, 1))
    request(finance, initial.id, NEXT_YEAR, 300000)
    # Two years ahead: due 30 November next year, not late.
    ahead = make("再来年度の要求", at(THIS_YEAR, 8, 1))
    request(finance, ahead.id, NEXT_YEAR + 1, 400000)
    # Denied, then requested again for a later year: back in the queue for that year.
    again = make("再要求", at(THIS_YEAR, 9, 1))
    request(finance, again.id, NEXT_YEAR, 500000)
    ok(deny(finance, again.id, {"reason": "見送り"}))
    request(finance, again.id, NEXT_YEAR + 1, 550000, "existing")

    # Decided ones are not in the queue: denied, not required, approved (budgeted).
    denied = make("見送り済み", at(THIS_YEAR, 4, 2))
    request(finance, denied.id, NEXT_YEAR, 600000)
    ok(deny(finance, denied.id, {"reason": "見送り"}))
    not_required = make("予算不要", at(THIS_YEAR, 4, 3))
    ok(put(finance, not_required.id, required=False, fiscal_year=THIS_YEAR))
    budgeted = make("措置済み", at(THIS_YEAR, 4, 4))
    request(finance, budgeted.id, NEXT_YEAR, 700000)
    ok(approve(finance, budgeted.id, {"approved_yen": 700000}))
    # Nor proposals in other statuses.
    for status in (Status.in_review, Status.in_progress, Status.completed, Status.rejected):
        proposal(session, cast.author, status, decided_at=at(THIS_YEAR, 4, 5))

    late_this_year = today_jst() > date(THIS_YEAR, 11, 30)
    for who in (cast.finance, cast.secretariat):
        queue = ok(api_as(who).get(f"{API}/budget/queue"))
        assert queue["total"] == 4
        assert [
            (
                group["fiscal_year"],
                group["fiscal_year_label"],
                [
                    (
                        p["id"],
                        p["number"],
                        p["title"],
                        p["budget_status"],
                        p["requested_yen"],
                        p["deadline"],
                        p["late"],
                    )
                    for p in group["proposals"]
                ],
            )
            for group in queue["items"]
        ] == [
            (
                2023,
                "令和5年度",
                [(old.id, old.number, "旧来の提案", None, None, "2022-11-30", True)],
            ),
            (
                THIS_YEAR - 1,
                reiwa(THIS_YEAR - 1),
                [
                    (
                        last.id,
                        last.number,
                        "昨年度分の要求",
                        "requested",
                        100000,
                        f"{THIS_YEAR - 2}-11-30",
                        True,
                    )
                ],
            ),
            (
                NEXT_YEAR,
                reiwa(NEXT_YEAR),
                [
                    (
                        supplementary.id,
                        supplementary.number,
                        "補正予算の要求",
                        "requested",
                        200000,
                        None,
                        False,
                    ),
                    (
                        initial.id,
                        initial.number,
                        "当初予算の要求",
                        "requested",
                        300000,
                        f"{THIS_YEAR}-11-30",
                        late_this_year,
                    ),
                ],
            ),
            (
                NEXT_YEAR + 1,
                reiwa(NEXT_YEAR + 1),
                [
                    (
                        ahead.id,
                        ahead.number,
                        "再来年度の要求",
                        "requested",
                        400000,
                        f"{NEXT_YEAR}-11-30",
                        False,
                    ),
                    (again.id, again.number, "再要求", "requested", 550000, None, False),
                ],
            ),
        ]


def test_the_queue_deadline_is_a_setting(cast, api_as, app_with, session) -> None:
    finance = api_as(cast.finance)
    ahead = adopted(session, cast, decided_at=at(THIS_YEAR, 4, 10))
    request(finance, ahead.id, NEXT_YEAR + 1, 400000)
    # The deadline of 31 March of the year before the money's year: for next year's money
    # that was the day before this fiscal year began, so it has passed.
    current = adopted(session, cast, decided_at=at(THIS_YEAR, 4, 11))
    request(finance, current.id, NEXT_YEAR, 100000)

    queue = ok(app_with(budget_request_deadline="03-31")(cast.finance).get(f"{API}/budget/queue"))
    assert [
        (g["fiscal_year"], [(p["id"], p["deadline"], p["late"]) for p in g["proposals"]])
        for g in queue["items"]
    ] == [
        (NEXT_YEAR, [(current.id, f"{THIS_YEAR}-03-31", True)]),
        (NEXT_YEAR + 1, [(ahead.id, f"{NEXT_YEAR}-03-31", False)]),
    ]
