"""The proposals API: writing, editing, bad input, visibility, ETags, events, opinions."""

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from app.models import Proposal, ProposalEvent
from app.models.enums import Role, Status
from tests.helpers import COMPLETE, proposal_in


def counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.exec(select(func.count()).select_from(Proposal)).one(),
        session.exec(select(func.count()).select_from(ProposalEvent)).one(),
    )


def new(api, **fields):
    return api.post("/api/v1/proposals", json={"title": "押印の見直し", **COMPLETE, **fields})


def test_write_a_draft_with_every_field(api_as, make_user, session: Session) -> None:
    author = make_user()
    colleague = make_user()
    response = new(
        api_as(author),
        kind="policy",
        category="savings",
        already_implemented=True,
        initiative_id=9,
        co_author_ids=[colleague.id],
        estimated_cost_yen="１，２００円",
        estimated_hours_saved_per_year_hours="１２．５時間",
        estimated_savings_yen_per_year=30000,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "draft" and body["number"] is None and body["version"] == 1
    assert body["author_id"] == author.id and body["co_author_ids"] == [colleague.id]
    assert body["estimated_cost_yen"] == 1200
    assert body["estimated_hours_saved_per_year_hours"] == 12.5
    assert (body["kind"], body["category"], body["initiative_id"]) == ("policy", "savings", 9)
    assert body["fiscal_year_label"].endswith("年度")
    assert body["allowed_actions"] == ["submit", "withdraw"]
    assert body["department_id"] is None  # set when submitted
    assert response.headers["etag"] == '"1"'
    # The co-author sees it and may submit; nobody else sees a draft.
    assert api_as(colleague).get(f"/api/v1/proposals/{body['id']}").json()["allowed_actions"] == [
        "submit"
    ]
    events = api_as(author).get(f"/api/v1/proposals/{body['id']}/events").json()
    assert [e["action"] for e in events["items"]] == ["create"]


def test_defaults_round_and_category(api_as, make_user) -> None:
    api = api_as(make_user())
    body = api.post("/api/v1/proposals", json={"title": "最小の提案"}).json()
    assert body["category"] == "other" and body["kind"] == "improvement"
    rounds = api.get("/api/v1/rounds").json()["items"]
    standing = [r for r in rounds if r["kind"] == "standing"]
    assert body["round_id"] == standing[0]["id"]
    assert standing[0]["fiscal_year"] == body["fiscal_year"]


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"title": ""}, "title"),
        ({"title": "あ" * 201}, "title"),
        ({"title": None}, "title"),
        ({"summary": "あ" * 10_001}, "summary"),
        ({"proposal_text": "x" * 10_001}, "proposal_text"),
        ({"estimated_cost_yen": -1}, "estimated_cost_yen"),
        ({"estimated_cost_yen": "たくさん"}, "estimated_cost_yen"),
        ({"estimated_cost_yen": 1.5}, "estimated_cost_yen"),
        ({"estimated_savings_yen_per_year": True}, "estimated_savings_yen_per_year"),
        ({"estimated_hours_saved_per_year_hours": "-3"}, "estimated_hours_saved_per_year_hours"),
        ({"initiative_id": 99}, "initiative_id"),
        ({"round_id": 9999}, "round_id"),
        ({"co_author_ids": [987654]}, "co_author_ids"),
        ({"kind": "complaint"}, "kind"),
        ({"category": "personnel"}, "category"),
        ({"status": "adopted"}, "status"),
        ({"number": "R7-0001"}, "number"),
        ({"author_id": 1}, "author_id"),
        ({"score": 100}, "score"),
        ({"title": "NUL\x00入り"}, "title"),
        ({"summary": "制御文字\x07"}, "summary"),
    ],
)
def test_bad_input_is_422_and_writes_nothing(api_as, make_user, session, fields, loc) -> None:
    api = api_as(make_user())
    before = counts(session)
    response = new(api, **fields)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert any(loc in error["loc"] for error in problem["errors"]), problem
    assert counts(session) == before


def test_author_cannot_be_own_co_author_nor_an_inactive_colleague(api_as, make_user) -> None:
    author = make_user()
    retired = make_user(is_active=False)
    api = api_as(author)
    assert new(api, co_author_ids=[author.id]).status_code == 422
    assert new(api, co_author_ids=[retired.id]).status_code == 422


def test_html_is_kept_as_text_and_shown_escaped(api_as, page_as, make_user) -> None:
    author = make_user()
    script = "<script>alert('x')</script>"
    body = new(api_as(author), title=f"改善{script}", summary="<b>太字</b>\n二行目").json()
    assert body["title"] == f"改善{script}"
    html = page_as(author).get(f"/proposals/{body['id']}").text
    assert script not in html and "&lt;script&gt;alert(" in html
    assert "&lt;b&gt;太字&lt;/b&gt;" in html


def test_edit_with_etag_and_if_match(api_as, make_user, session) -> None:
    author = make_user()
    api = api_as(author)
    created = new(api)
    pid = created.json()["id"]
    etag = created.headers["etag"]
    edited = api.patch(
        f"/api/v1/proposals/{pid}",
        json={"title": "押印の全廃", "estimated_cost_yen": "５万円"},
        headers={"If-Match": etag},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["title"] == "押印の全廃" and edited.json()["estimated_cost_yen"] == 50_000
    assert edited.headers["etag"] == '"2"'
    before = counts(session)
    stale = api.patch(
        f"/api/v1/proposals/{pid}", json={"title": "古い"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    assert counts(session) == before
    events = api.get(f"/api/v1/proposals/{pid}/events").json()["items"]
    assert events[-1]["action"] == "update"
    assert events[-1]["changes"]["title"] == ["押印の見直し", "押印の全廃"]
    # No change, no event, no new version.
    same = api.patch(f"/api/v1/proposals/{pid}", json={"title": "押印の全廃"})
    assert same.json()["version"] == 2


def test_someone_elses_draft_is_404_for_reading_editing_and_acting(api_as, make_user, session):
    author = make_user()
    stranger = make_user(Role.secretariat)
    pid = new(api_as(author)).json()["id"]
    api = api_as(stranger)
    before = counts(session)
    assert api.get(f"/api/v1/proposals/{pid}").status_code == 404
    assert api.patch(f"/api/v1/proposals/{pid}", json={"title": "乗っ取り"}).status_code == 404
    assert api.post(f"/api/v1/proposals/{pid}/submit", json={}).status_code == 404
    assert api.get(f"/api/v1/proposals/{pid}/events").status_code == 404
    assert api.get("/api/v1/proposals/999999").status_code == 404
    assert counts(session) == before


def test_co_author_edits_but_cannot_change_co_authors(api_as, make_user) -> None:
    author, colleague, third = make_user(), make_user(), make_user()
    pid = new(api_as(author), co_author_ids=[colleague.id]).json()["id"]
    api = api_as(colleague)
    assert api.patch(f"/api/v1/proposals/{pid}", json={"summary": "追記"}).status_code == 200
    response = api.patch(f"/api/v1/proposals/{pid}", json={"co_author_ids": [third.id]})
    assert response.status_code == 403


def test_submit_needs_the_texts_and_snapshots_the_department(
    api_as, make_user, make_department, session
) -> None:
    home = make_department("福祉課")
    author = make_user(department=home)
    api = api_as(author)
    pid = api.post("/api/v1/proposals", json={"title": "書きかけ"}).json()["id"]
    incomplete = api.post(f"/api/v1/proposals/{pid}/submit", json={})
    assert incomplete.status_code == 422
    missing = {tuple(e["loc"]) for e in incomplete.json()["errors"]}
    assert ("body", "summary") in missing and ("body", "proposal_text") in missing
    api.patch(f"/api/v1/proposals/{pid}", json=COMPLETE)
    submitted = api.post(f"/api/v1/proposals/{pid}/submit", json={})
    assert submitted.status_code == 200
    assert submitted.json()["department_id"] == home.id
    assert submitted.json()["submitted_at"] is not None
    # A later transfer (人事異動) does not rewrite the proposal's department.
    admin = make_user(Role.admin)
    elsewhere = make_department("建設課")
    api_as(admin).patch(f"/api/v1/users/{author.id}", json={"department_id": elsewhere.id})
    assert api.get(f"/api/v1/proposals/{pid}").json()["department_id"] == home.id


def test_editing_after_submission_is_409(api_as, make_user) -> None:
    author = make_user()
    api = api_as(author)
    pid = new(api).json()["id"]
    api.post(f"/api/v1/proposals/{pid}/submit", json={})
    response = api.patch(f"/api/v1/proposals/{pid}", json={"title": "後から変更"})
    assert response.status_code == 409
    assert "submitted" in response.json()["detail"]


def test_return_and_resubmit_then_accept_with_number(api_as, make_user) -> None:
    author, secretariat = make_user(), make_user(Role.secretariat)
    api, sec = api_as(author), api_as(secretariat)
    pid = new(api).json()["id"]
    api.post(f"/api/v1/proposals/{pid}/submit", json={})
    assert sec.post(f"/api/v1/proposals/{pid}/return", json={"reason": "  "}).status_code == 422
    assert sec.post(f"/api/v1/proposals/{pid}/return", json={}).status_code == 422
    returned = sec.post(f"/api/v1/proposals/{pid}/return", json={"reason": "効果を具体的に"})
    assert returned.json()["status"] == "returned"
    assert sec.get(f"/api/v1/proposals/{pid}").status_code == 404  # back with the authors
    assert (
        api.patch(f"/api/v1/proposals/{pid}", json={"expected_effect": "月20時間"}).status_code
        == 200
    )
    api.post(f"/api/v1/proposals/{pid}/submit", json={})
    accepted = sec.post(f"/api/v1/proposals/{pid}/accept", json={})
    body = accepted.json()
    fy_short = "R" + str(body["fiscal_year"] - 2018)
    assert body["number"] == f"{fy_short}-0001" and body["status"] == "in_review"
    events = api.get(f"/api/v1/proposals/{pid}/events").json()["items"]
    assert [e["action"] for e in events] == [
        "create",
        "submit",
        "return",
        "update",
        "submit",
        "accept",
    ]
    assert events[2]["reason"] == "効果を具体的に" and events[2]["actor_id"] == secretariat.id


def test_numbers_run_per_fiscal_year(api_as, make_user, session) -> None:
    author, secretariat = make_user(), make_user(Role.secretariat)
    sec = api_as(secretariat)
    old = proposal_in(session, Status.submitted, author=author, title="前年度の提案")
    old.fiscal_year = 2024
    session.add(old)
    session.commit()
    this_year = [
        proposal_in(session, Status.submitted, author=author, title=f"提案{i}") for i in range(2)
    ]
    numbers = [
        sec.post(f"/api/v1/proposals/{p.id}/accept", json={}).json()["number"]
        for p in [*this_year, old]
    ]
    fy = this_year[0].fiscal_year
    assert numbers == [f"R{fy - 2018}-0001", f"R{fy - 2018}-0002", "R6-0001"]


def test_supervisor_opinion(api_as, make_user, make_department, session) -> None:
    home = make_department()
    author = make_user(department=home)
    boss = make_user(Role.supervisor, department=home)
    other_boss = make_user(Role.supervisor)
    api = api_as(author)
    pid = new(api).json()["id"]
    assert (
        api_as(boss)
        .put(f"/api/v1/proposals/{pid}/supervisor-opinion", json={"opinion": "良い"})
        .status_code
        == 404
    )
    api.post(f"/api/v1/proposals/{pid}/submit", json={})
    assert (
        api_as(other_boss)
        .put(f"/api/v1/proposals/{pid}/supervisor-opinion", json={"opinion": "x"})
        .status_code
        == 404
    )
    assert (
        api_as(boss)
        .put(f"/api/v1/proposals/{pid}/supervisor-opinion", json={"opinion": " "})
        .status_code
        == 422
    )
    ok = api_as(boss).put(
        f"/api/v1/proposals/{pid}/supervisor-opinion", json={"opinion": "課として推薦します"}
    )
    assert ok.status_code == 200 and ok.json()["supervisor_opinion"] == "課として推薦します"
    assert (
        api.put(f"/api/v1/proposals/{pid}/supervisor-opinion", json={"opinion": "自賛"}).status_code
        == 403
    )
    events = api.get(f"/api/v1/proposals/{pid}/events").json()["items"]
    assert events[-1]["action"] == "opinion" and events[-1]["actor_id"] == boss.id


def test_list_filters_and_visibility(api_as, make_user, make_department, session) -> None:
    home, other = make_department("総務課"), make_department("建設課")
    author = make_user(department=home)
    someone = make_user(department=other)
    mine_draft = proposal_in(
        session, Status.draft, author=author, title="自分の下書き", initiative_id=4
    )
    theirs_draft = proposal_in(session, Status.draft, author=someone, title="他人の下書き")
    adopted = proposal_in(
        session, Status.adopted, author=someone, title="採用済み", initiative_id=4
    )
    api = api_as(author)
    listed = api.get("/api/v1/proposals").json()
    ids = {p["id"] for p in listed["items"]}
    assert ids == {mine_draft.id, adopted.id} and theirs_draft.id not in ids
    assert listed["total"] == 2 and listed["limit"] == 50
    assert {p["id"] for p in api.get("/api/v1/proposals?mine=true").json()["items"]} == {
        mine_draft.id
    }
    assert {p["id"] for p in api.get("/api/v1/proposals?status=adopted").json()["items"]} == {
        adopted.id
    }
    by_initiative = api.get("/api/v1/proposals", params={"initiative_id": 4}).json()["items"]
    assert {p["id"] for p in by_initiative} == {mine_draft.id, adopted.id}
    none_tied = api.get("/api/v1/proposals", params={"initiative_id": "none"}).json()["items"]
    assert none_tied == []
    assert api.get("/api/v1/proposals", params={"department_id": other.id}).json()["total"] == 1
    for bad in (
        {"status": "bogus"},
        {"fiscal_year": 1900},
        {"limit": 500},
        {"kind": "x"},
        {"initiative_id": "abc"},
    ):
        response = api.get("/api/v1/proposals", params=bad)
        assert response.status_code == 422, bad
        assert response.headers["content-type"] == "application/problem+json"


def test_listing_50_costs_as_many_queries_as_listing_5(
    api_as, make_user, session, db_engine
) -> None:
    from sqlalchemy import event

    author = make_user()
    colleague = make_user()
    for i in range(50):
        proposal_in(
            session, Status.adopted, author=author, co_authors=[colleague], title=f"提案{i}"
        )
    api = api_as(make_user(Role.secretariat))
    statements: list[str] = []

    def count(*_args) -> None:
        statements.append("q")

    event.listen(db_engine, "before_cursor_execute", count)
    try:
        statements.clear()
        assert len(api.get("/api/v1/proposals?limit=5").json()["items"]) == 5
        five = len(statements)
        statements.clear()
        assert len(api.get("/api/v1/proposals?limit=50").json()["items"]) == 50
        fifty = len(statements)
    finally:
        event.remove(db_engine, "before_cursor_execute", count)
    assert five == fifty
