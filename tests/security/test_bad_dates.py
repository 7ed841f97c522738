"""Dates out of range (security review, issue 11, item 6).

A milestone due, a planned end or a round starting on 0001-01-01 used to be stored, and
from then on the proposal page, /execution, /rounds and GET /api/v1/rounds answered 500
for everyone: 和暦 has no name for a day before 明治. Now every date a request carries is
YYYY-MM-DD between 2000-01-01 and 2100-12-31 (one shared type, app.models.types.Day, whose
schema says so), 422 otherwise; and the 和暦 labels never raise, so a bad date already in
the database still renders (as the ISO date)."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from app.models import Milestone, Proposal, Round
from app.models.enums import Role, RoundKind, Status
from app.models.types import utcnow
from app.templating import env
from app.wareki import fiscal_year_label, fiscal_year_short, local_datetime, wareki_date
from tests.helpers import proposal_in

API = "/api/v1"
ANCIENT = date(1, 1, 1)
OUT_OF_RANGE = "日付は2000-01-01から2100-12-31までの範囲で入力してください。"
COMPLETION = {
    "report": "窓口の予約を始めた。",
    "actual_cost_yen": 0,
    "actual_hours_saved_per_year_hours": 10,
    "actual_savings_yen_per_year": 0,
}


@pytest.fixture
def world(session: Session, make_user, make_department) -> SimpleNamespace:
    it = make_department(name="情報政策課")
    author = make_user(name="提案 太郎")
    doer = make_user(name="実施 花子", department=it)
    clerk = make_user(Role.secretariat, name="事務局 一郎")

    def running(title: str = "窓口予約システムの導入", **fields) -> Proposal:
        proposal = proposal_in(session, Status.in_progress, author=author, title=title, **fields)
        proposal.outcome = "adopted"
        proposal.implementing_department_id = it.id
        proposal.budget_status = "not_required"
        proposal.decided_at = proposal.started_at = utcnow()
        proposal.owner_id = doer.id
        session.add(proposal)
        session.commit()
        session.refresh(proposal)
        return proposal

    def adopted(title: str = "申請書の電子化") -> Proposal:
        proposal = proposal_in(session, Status.adopted, author=author, title=title)
        proposal.outcome = "adopted"
        proposal.implementing_department_id = it.id
        proposal.budget_status = "not_required"
        proposal.decided_at = utcnow()
        session.add(proposal)
        session.commit()
        session.refresh(proposal)
        return proposal

    return SimpleNamespace(author=author, doer=doer, clerk=clerk, running=running, adopted=adopted)


# -- what is already stored still renders --------------------------------------------------


def test_dates_before_meiji_already_stored_render_everywhere(
    world, session: Session, api_as, page_as
) -> None:
    """The reproduction: 0001-01-01 as a milestone's due date, a planned end date and a
    round's start, written straight to the database as the old validation let them in."""
    proposal = world.running()
    proposal.planned_end_date = ANCIENT
    session.add(proposal)
    session.add(Milestone(proposal_id=proposal.id, title="古い期限", due_date=ANCIENT))
    session.add(
        Round(
            fiscal_year=2026,
            kind=RoundKind.theme.value,
            title="大昔の募集",
            starts_on=ANCIENT,
            ends_on=date(2026, 12, 31),
        )
    )
    session.commit()

    for user in (world.doer, world.clerk, world.author):
        page = page_as(user)
        detail = page.get(f"/proposals/{proposal.id}")
        assert detail.status_code == 200, detail.text
        assert "0001-01-01" in detail.text
    board = page_as(world.doer).get("/execution")
    assert board.status_code == 200 and "0001-01-01" in board.text
    rounds = page_as(world.clerk).get("/rounds")
    assert rounds.status_code == 200 and "0001-01-01" in rounds.text

    api = api_as(world.clerk)
    listed = api.get(f"{API}/rounds")
    assert listed.status_code == 200
    assert "0001-01-01" in [r["starts_on"] for r in listed.json()["items"]]
    assert api.get(f"{API}/proposals/{proposal.id}").json()["planned_end_date"] == "0001-01-01"
    assert api.get(f"{API}/proposals/{proposal.id}/milestones").status_code == 200


@pytest.mark.parametrize(
    "value",
    [date(1, 1, 1), date(1867, 12, 31), date(9999, 12, 31)],
)
def test_the_wareki_filters_never_raise(value: date) -> None:
    label = wareki_date(value)
    assert label == value.isoformat() if value.year < 1868 else label.startswith("令和")
    assert env.from_string("{{ d | wareki_date }}").render(d=value) == label
    assert fiscal_year_label(value.year).endswith("年度")
    assert fiscal_year_short(value.year)


def test_the_ends_of_the_calendar_fall_back_to_iso() -> None:
    assert wareki_date(date(1, 1, 1)) == "0001-01-01"
    assert fiscal_year_label(1) == "1年度" and fiscal_year_label(0) == "0年度"
    assert fiscal_year_short(1141) == "1141"
    assert wareki_date(date(1868, 1, 25)) == "明治元年1月25日"
    assert local_datetime(datetime(9999, 12, 31, 23, 0, tzinfo=UTC)) == "9999-12-31T23:00+00:00"
    assert env.from_string("{{ t | wareki_datetime }}").render(t=datetime(1, 1, 1, tzinfo=UTC))


# -- requests carrying such dates are refused ----------------------------------------------

BAD = ["0001-01-01", "1999-12-31", "2101-01-01", "20260401", "2026-02-30", "2026-04-01T00:00"]


def _problem(answer, field: str) -> dict:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert ["body", field] in [e["loc"] for e in body["errors"]], body
    return body


@pytest.mark.parametrize("bad", BAD)
def test_every_date_field_of_the_api_is_in_range(world, api_as, bad: str) -> None:
    proposal = world.running()
    api = api_as(world.doer)
    base = f"{API}/proposals/{proposal.id}"
    milestone = api.post(f"{base}/milestones", json={"title": "公開", "due_date": "2026-09-01"})
    assert milestone.status_code == 201
    mid = milestone.json()["id"]

    requests = [
        (api.post, f"{base}/milestones", {"title": "公開", "due_date": bad}, "due_date"),
        (api.patch, f"{base}/milestones/{mid}", {"due_date": bad}, "due_date"),
        (api.patch, f"{base}/milestones/{mid}", {"done": True, "done_on": bad}, "done_on"),
        (api.post, f"{base}/complete", {**COMPLETION, "measured_on": bad}, "measured_on"),
        (
            api.post,
            f"{API}/proposals/{world.adopted().id}/start",
            {"planned_end_date": bad},
            "planned_end_date",
        ),
    ]
    for send, url, body, field in requests:
        problem = _problem(send(url, json=body), field)
        if bad in ("0001-01-01", "1999-12-31", "2101-01-01"):
            assert OUT_OF_RANGE in [e["msg"] for e in problem["errors"]]

    clerk = api_as(world.clerk)
    for field in ("starts_on", "ends_on"):
        body = {"title": "ペーパーレス", "starts_on": "2026-04-01", "ends_on": "2026-06-30"}
        _problem(clerk.post(f"{API}/rounds", json={**body, field: bad}), field)


def test_the_bounds_themselves_are_accepted(world, api_as) -> None:
    proposal = world.running()
    api = api_as(world.doer)
    for due in ("2000-01-01", "2100-12-31"):
        answer = api.post(
            f"{API}/proposals/{proposal.id}/milestones", json={"title": "端", "due_date": due}
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["due_date"] == due


def test_the_schema_says_so(client) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    due = schemas["MilestoneIn"]["properties"]["due_date"]
    assert due["format"] == "date"
    assert due["pattern"] == "^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"
    assert "2000-01-01 to 2100-12-31" in due["description"]
    starts = schemas["RoundCreate"]["properties"]["starts_on"]
    assert starts["pattern"] == due["pattern"]


def test_the_pages_refuse_them_in_japanese(world, page_as, session: Session) -> None:
    proposal = world.running()
    page = page_as(world.doer)
    answer = page.post_form(
        f"/proposals/{proposal.id}/milestones",
        {"title": "公開", "due_date": "0001-01-01", "version": str(proposal.version)},
    )
    assert answer.status_code == 422
    assert OUT_OF_RANGE in answer.text

    started = world.adopted()
    answer = page.post_form(
        f"/proposals/{started.id}/start",
        {"planned_end_date": "0001-01-01", "version": str(started.version)},
    )
    assert answer.status_code == 422
    assert OUT_OF_RANGE in answer.text

    clerk = page_as(world.clerk)
    answer = clerk.post_form(
        "/rounds/new",
        {"title": "大昔", "description": "", "starts_on": "0001-01-01", "ends_on": "2026-12-31"},
    )
    assert answer.status_code == 422
    assert OUT_OF_RANGE in answer.text
    assert session.exec(select(Milestone).where(Milestone.due_date == ANCIENT)).all() == []
    assert session.exec(select(Round).where(Round.starts_on == ANCIENT)).all() == []
