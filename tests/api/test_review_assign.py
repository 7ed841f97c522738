"""Review API (issue 4): assigning reviewers and the conflict-of-interest rules, who sees an
in-review proposal and blind review, recusal, and bulk assignment to a round.
"""

import pytest

from app.models.enums import Role
from tests.api import review_support as shared
from tests.api.review_support import (
    API,
    AUTHOR_DEPARTMENT,
    AUTHOR_NAME,
    assign,
    decide,
    draft,
    errors_of,
    get,
    in_review,
    score,
    scores,
    submitted,
    written,
)

world = shared.world
app_with = shared.app_with


# -- assignment ---------------------------------------------------------------------------


def test_assign_reviewers_lists_them_and_records_one_event(world, session) -> None:
    pid = in_review(world.api(world.author), world.sec)
    body = assign(world.sec, pid, world.a, world.b)
    assert [i["reviewer_id"] for i in body["items"]] == [world.a.id, world.b.id]
    assert [i["name"] for i in body["items"]] == ["審査委員A", "審査委員B"]
    assert all(i["reviewed"] is False and i["recused_at"] is None for i in body["items"])
    assert body["total"] == 2
    proposal = get(world.sec, pid)
    assert (proposal["reviewers_assigned"], proposal["reviews_in"], proposal["score"]) == (
        2,
        0,
        None,
    )
    events = world.sec.get(f"{API}/proposals/{pid}/events").json()["items"]
    assert events[-1]["action"] == "assign-reviewers"
    assert events[-1]["changes"]["reviewer_ids"] == [[], sorted([world.a.id, world.b.id])]
    # The same set again changes nothing: no event, no new version.
    before = written(session, pid)
    assign(world.sec, pid, world.b, world.a)
    assert written(session, pid) == before
    read = world.sec.get(f"{API}/proposals/{pid}/reviewers").json()
    assert {i["reviewer_id"] for i in read["items"]} == {world.a.id, world.b.id}


@pytest.mark.parametrize("kind", ["author", "co_author", "inactive", "no_role", "same_department"])
def test_conflicting_reviewer_is_refused_naming_them(kind, world, make_user, session) -> None:
    co_author = make_user(Role.reviewer, name="佐藤次郎")
    author_api = world.api(world.author)
    pid = in_review(author_api, world.sec, co_author_ids=[co_author.id])
    if kind == "author":
        # Even with the reviewer role, the author may not review their own proposal.
        candidate = make_user(Role.reviewer, name="高橋一郎")
        pid = in_review(world.api(candidate), world.sec)
    elif kind == "co_author":
        candidate = co_author
    elif kind == "inactive":
        candidate = make_user(Role.reviewer, name="退職済太郎", is_active=False)
    elif kind == "no_role":
        candidate = make_user(name="一般職員")
    else:
        candidate = make_user(Role.reviewer, name="同課審査員", department=world.department)
    assign(world.sec, pid, world.a)
    before = written(session, pid)
    response = world.sec.put(
        f"{API}/proposals/{pid}/reviewers",
        json={"reviewer_ids": [world.b.id, candidate.id]},
    )
    errors = errors_of(response)
    assert len(errors) == 1, errors
    assert errors[0]["loc"] == ["body", "reviewer_ids", 1]
    assert candidate.name in errors[0]["msg"]
    # Nothing written: not even the acceptable reviewer B, no event, no notification.
    assert written(session, pid) == before
    listed = world.sec.get(f"{API}/proposals/{pid}/reviewers").json()["items"]
    assert [i["reviewer_id"] for i in listed] == [world.a.id]


def test_each_refusal_is_named(world, make_user) -> None:
    co_author = make_user(Role.reviewer, name="佐藤次郎")
    pid = in_review(world.api(world.author), world.sec, co_author_ids=[co_author.id])
    inactive = make_user(Role.reviewer, name="退職済太郎", is_active=False)
    plain = make_user(name="一般職員")
    colleague = make_user(Role.reviewer, name="同課審査員", department=world.department)
    ids = [world.author.id, co_author.id, world.a.id, inactive.id, plain.id, colleague.id, 987654]
    response = world.sec.put(f"{API}/proposals/{pid}/reviewers", json={"reviewer_ids": ids})
    errors = errors_of(response)
    by_index = {e["loc"][2]: e["msg"] for e in errors}
    assert set(by_index) == {0, 1, 3, 4, 5, 6}
    assert AUTHOR_NAME in by_index[0] and "提案者" in by_index[0]
    assert "佐藤次郎" in by_index[1] and "共同提案者" in by_index[1]
    assert "退職済太郎" in by_index[3] and "無効" in by_index[3]
    assert "一般職員" in by_index[4] and "審査委員" in by_index[4]
    assert "同課審査員" in by_index[5] and "同じ所属" in by_index[5]
    assert "987654" in by_index[6]


def test_refusal_names_the_position_in_the_request_despite_repeats(world, session) -> None:
    pid = in_review(world.api(world.author), world.sec)
    before = written(session, pid)
    ids = [world.a.id, world.a.id, world.author.id, world.b.id, world.b.id]
    errors = errors_of(
        world.sec.put(f"{API}/proposals/{pid}/reviewers", json={"reviewer_ids": ids})
    )
    assert [e["loc"] for e in errors] == [["body", "reviewer_ids", 2]]
    assert AUTHOR_NAME in errors[0]["msg"]
    assert written(session, pid) == before
    # Repeats of acceptable reviewers are one assignment each.
    body = assign(world.sec, pid, world.a, world.a, world.b)
    assert [i["reviewer_id"] for i in body["items"]] == [world.a.id, world.b.id]
    assert get(world.sec, pid)["reviewers_assigned"] == 2


def test_same_department_allowed_when_the_setting_is_off(world, make_user, app_with) -> None:
    colleague = make_user(Role.reviewer, name="同課審査員", department=world.department)
    login = app_with(review_exclude_same_department=False)
    author_api, sec = login(world.author), login(world.secretariat)
    pid = in_review(author_api, sec)
    body = assign(sec, pid, colleague)
    assert [i["reviewer_id"] for i in body["items"]] == [colleague.id]
    reviewed = score(login(colleague), pid, 3, 3, 3, 3, 3, 3)
    assert reviewed["total"] == 60.0
    # The other rules still hold.
    response = sec.put(f"{API}/proposals/{pid}/reviewers", json={"reviewer_ids": [world.author.id]})
    assert response.status_code == 422


def test_assigning_outside_in_review_is_409(world, session) -> None:
    author_api = world.api(world.author)
    pid = submitted(author_api)
    before = written(session, pid)
    response = world.sec.put(
        f"{API}/proposals/{pid}/reviewers", json={"reviewer_ids": [world.a.id]}
    )
    assert response.status_code == 409, response.text
    assert "submitted" in response.json()["detail"]
    assert written(session, pid) == before
    # A conflict is 422 before the status's 409.
    response = world.sec.put(
        f"{API}/proposals/{pid}/reviewers", json={"reviewer_ids": [world.author.id]}
    )
    assert response.status_code == 422
    # After the decision too.
    pid = in_review(author_api, world.sec)
    assign(world.sec, pid, world.a)
    score(world.api(world.a), pid, 3, 3, 3, 3, 3, 3)
    assert decide(world.sec, pid, outcome="rejected", reason="効果が小さい").status_code == 200
    before = written(session, pid)
    response = world.sec.put(
        f"{API}/proposals/{pid}/reviewers", json={"reviewer_ids": [world.b.id]}
    )
    assert response.status_code == 409
    assert written(session, pid) == before


def test_assigning_needs_the_secretariat_and_sight(world, make_user, session) -> None:
    author_api = world.api(world.author)
    pid = in_review(author_api, world.sec)
    body = {"reviewer_ids": [world.a.id]}
    supervisor = make_user(Role.supervisor, department=world.department)
    draft_id = draft(author_api)
    before = written(session, pid)
    # Those who see it but are not the secretariat: 403.
    assert author_api.put(f"{API}/proposals/{pid}/reviewers", json=body).status_code == 403
    sup_api = world.api(supervisor)
    assert sup_api.get(f"{API}/proposals/{pid}").status_code == 200
    assert sup_api.put(f"{API}/proposals/{pid}/reviewers", json=body).status_code == 403
    # Those who cannot see it: 404 (before 403).
    assert world.api(world.a).put(f"{API}/proposals/{pid}/reviewers", json=body).status_code == 404
    assert world.sec.put(f"{API}/proposals/987654/reviewers", json=body).status_code == 404
    assert world.sec.put(f"{API}/proposals/{draft_id}/reviewers", json=body).status_code == 404
    assert written(session, pid) == before
    # Reading the reviewers is the secretariat's too.
    assert author_api.get(f"{API}/proposals/{pid}/reviewers").status_code == 403
    assert world.api(world.a).get(f"{API}/proposals/{pid}/reviewers").status_code == 404


@pytest.mark.parametrize(
    "body",
    [{}, {"reviewer_ids": "1"}, {"reviewer_ids": [1], "note": "x"}, {"reviewer_ids": ["a"]}],
)
def test_malformed_assignment_body_is_422(world, session, body) -> None:
    pid = in_review(world.api(world.author), world.sec)
    before = written(session, pid)
    response = world.sec.put(f"{API}/proposals/{pid}/reviewers", json=body)
    assert response.status_code == 422, response.text
    assert written(session, pid) == before


def test_reviewer_is_notified_once_when_assigned(world) -> None:
    pid = in_review(world.api(world.author), world.sec, title="押印の見直し")
    a_api = world.api(world.a)
    assert a_api.get(f"{API}/notifications").json()["unread"] == 0
    assign(world.sec, pid, world.a)
    assign(world.sec, pid, world.a, world.b)  # A already assigned: not told again
    listed = a_api.get(f"{API}/notifications").json()
    assert listed["total"] == 1 and listed["unread"] == 1
    item = listed["items"][0]
    assert item["kind"] == "review-assigned" and item["proposal_id"] == pid
    assert "押印の見直し" in item["title"] and item["read_at"] is None
    assert world.api(world.b).get(f"{API}/notifications").json()["total"] == 1
    # Nobody else is told of the assignment (the author was told of the acceptance).
    kinds = [n["kind"] for n in world.api(world.author).get(f"{API}/notifications").json()["items"]]
    assert kinds == ["accepted"]
    assert world.api(world.c).get(f"{API}/notifications").json()["total"] == 0


# -- who sees an in-review proposal ---------------------------------------------------------


def test_only_assigned_reviewers_see_the_proposal(world) -> None:
    pid = in_review(world.api(world.author), world.sec)
    a_api, b_api = world.api(world.a), world.api(world.b)
    assert a_api.get(f"{API}/proposals/{pid}").status_code == 404
    assign(world.sec, pid, world.a)
    assert a_api.get(f"{API}/proposals/{pid}").status_code == 200
    assert [p["id"] for p in a_api.get(f"{API}/proposals").json()["items"]] == [pid]
    assert b_api.get(f"{API}/proposals/{pid}").status_code == 404
    assert b_api.get(f"{API}/proposals").json()["total"] == 0
    assert b_api.get(f"{API}/proposals/{pid}/events").status_code == 404
    # Taken off, A no longer sees it.
    assign(world.sec, pid, world.b)
    assert a_api.get(f"{API}/proposals/{pid}").status_code == 404
    assert b_api.get(f"{API}/proposals/{pid}").status_code == 200


def _assert_blind(text: str) -> None:
    assert AUTHOR_NAME not in text
    assert AUTHOR_DEPARTMENT not in text


def test_blind_review_hides_the_authors_everywhere(world, make_user) -> None:
    co_author = make_user(name="佐藤次郎")
    author_api = world.api(world.author)
    pid = in_review(author_api, world.sec, co_author_ids=[co_author.id])
    assign(world.sec, pid, world.a)
    a_api = world.api(world.a)

    one = a_api.get(f"{API}/proposals/{pid}")
    body = one.json()
    assert (body["author_id"], body["co_author_ids"], body["department_id"]) == (None, None, None)
    _assert_blind(one.text)
    assert "佐藤次郎" not in one.text

    listed = a_api.get(f"{API}/proposals")
    (item,) = listed.json()["items"]
    assert (item["author_id"], item["co_author_ids"], item["department_id"]) == (None, None, None)
    _assert_blind(listed.text)

    queue = a_api.get(f"{API}/reviews/assigned")
    (item,) = queue.json()["items"]
    assert item["id"] == pid and item["my_total"] is None
    assert (item["author_id"], item["co_author_ids"], item["department_id"]) == (None, None, None)
    _assert_blind(queue.text)

    # Nor can the department be learned by filtering on it.
    for department_id in (world.department.id, world.a.department_id):
        filtered = a_api.get(f"{API}/proposals", params={"department_id": department_id})
        assert filtered.json()["total"] == 0

    events = a_api.get(f"{API}/proposals/{pid}/events")
    by_action = {e["action"]: e for e in events.json()["items"]}
    assert by_action["create"]["actor_id"] is None
    assert by_action["submit"]["actor_id"] is None
    assert by_action["accept"]["actor_id"] == world.secretariat.id
    for event in events.json()["items"]:
        assert world.author.id not in (event["actor_id"],)
        assert "co_author_ids" not in event["changes"]
        assert "department_id" not in event["changes"], event
    _assert_blind(events.text)

    # After scoring, the review and queue still name nobody.
    score(a_api, pid, 3, 3, 3, 3, 3, 3)
    _assert_blind(a_api.get(f"{API}/proposals/{pid}/reviews").text)
    _assert_blind(a_api.get(f"{API}/proposals/{pid}/reviews/mine").text)
    # The secretariat sees everything.
    full = get(world.sec, pid)
    assert full["author_id"] == world.author.id and full["co_author_ids"] == [co_author.id]
    assert full["department_id"] == world.department.id


def test_without_blind_review_the_reviewer_sees_the_authors(world, make_user, app_with) -> None:
    co_author = make_user(name="佐藤次郎")
    login = app_with(blind_review=False)
    author_api, sec, a_api = login(world.author), login(world.secretariat), login(world.a)
    pid = in_review(author_api, sec, co_author_ids=[co_author.id])
    assign(sec, pid, world.a)
    body = a_api.get(f"{API}/proposals/{pid}").json()
    assert body["author_id"] == world.author.id
    assert body["co_author_ids"] == [co_author.id]
    assert body["department_id"] == world.department.id
    (item,) = a_api.get(f"{API}/reviews/assigned").json()["items"]
    assert item["author_id"] == world.author.id
    events = a_api.get(f"{API}/proposals/{pid}/events").json()["items"]
    assert {e["action"]: e["actor_id"] for e in events}["submit"] == world.author.id


def test_reviewers_do_not_see_each_other_in_the_timeline(world) -> None:
    pid = in_review(world.api(world.author), world.sec)
    assign(world.sec, pid, world.a, world.b)
    score(world.api(world.b), pid, 3, 3, 3, 3, 3, 3)
    events = world.api(world.a).get(f"{API}/proposals/{pid}/events").json()["items"]
    review_events = [e for e in events if e["action"] in ("review", "assign-reviewers")]
    assert review_events and all(e["actor_id"] != world.b.id for e in review_events)
    assert all("reviewer_ids" not in e["changes"] for e in review_events)
    sec_events = world.sec.get(f"{API}/proposals/{pid}/events").json()["items"]
    assert [e["actor_id"] for e in sec_events if e["action"] == "review"] == [world.b.id]


# -- recusal --------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   \n"}, {"reason": None}])
def test_recusal_needs_a_reason(world, session, body) -> None:
    pid = in_review(world.api(world.author), world.sec)
    assign(world.sec, pid, world.a)
    before = written(session, pid)
    response = world.api(world.a).post(f"{API}/proposals/{pid}/recuse", json=body)
    assert response.status_code == 422, response.text
    assert written(session, pid) == before


def test_recused_reviewer_can_no_longer_score(world, session) -> None:
    pid = in_review(world.api(world.author), world.sec)
    assign(world.sec, pid, world.a, world.b)
    a_api = world.api(world.a)
    response = a_api.post(f"{API}/proposals/{pid}/recuse", json={"reason": "提案者と同じ係の出身"})
    assert response.status_code == 200, response.text
    # The count is the secretariat's until the decision (issue 11, item 10).
    assert response.json()["reviewers_assigned"] is None
    assert get(world.sec, pid)["reviewers_assigned"] == 1
    listed = world.sec.get(f"{API}/proposals/{pid}/reviewers").json()["items"]
    recused = {i["reviewer_id"]: i for i in listed}[world.a.id]
    assert recused["recused_at"] is not None
    assert recused["recusal_reason"] == "提案者と同じ係の出身"
    events = world.sec.get(f"{API}/proposals/{pid}/events").json()["items"]
    assert (events[-1]["action"], events[-1]["reason"]) == ("recuse", "提案者と同じ係の出身")
    before = written(session, pid)
    body = {"scores": scores(3, 3, 3, 3, 3, 3), "comment": "x"}
    # Recused, A no longer reviews it and (in review) no longer sees it: 404, not a score.
    assert a_api.put(f"{API}/proposals/{pid}/reviews/mine", json=body).status_code == 404
    assert a_api.post(f"{API}/proposals/{pid}/recuse", json={"reason": "再度"}).status_code == 404
    assert written(session, pid) == before


def test_recused_reviewer_who_still_sees_the_proposal_gets_403(world, make_user, session) -> None:
    # A secretariat member who also sits on the committee keeps sight of the proposal.
    member = make_user(Role.secretariat, Role.reviewer, name="委員兼事務局")
    pid = in_review(world.api(world.author), world.sec)
    assign(world.sec, pid, member)
    m_api = world.api(member)
    assert (
        m_api.post(f"{API}/proposals/{pid}/recuse", json={"reason": "利害関係"}).status_code == 200
    )
    before = written(session, pid)
    body = {"scores": scores(3, 3, 3, 3, 3, 3), "comment": "x"}
    assert m_api.put(f"{API}/proposals/{pid}/reviews/mine", json=body).status_code == 403
    assert written(session, pid) == before


def test_recusal_only_by_an_assigned_reviewer_in_review(world, session) -> None:
    author_api = world.api(world.author)
    pid = in_review(author_api, world.sec)
    assign(world.sec, pid, world.a)
    body = {"reason": "理由"}
    assert author_api.post(f"{API}/proposals/{pid}/recuse", json=body).status_code == 403
    assert world.api(world.b).post(f"{API}/proposals/{pid}/recuse", json=body).status_code == 404
    score(world.api(world.a), pid, 3, 3, 3, 3, 3, 3)
    assert decide(world.sec, pid, outcome="deferred", reason="継続審議").status_code == 200
    before = written(session, pid)
    response = world.api(world.a).post(f"{API}/proposals/{pid}/recuse", json=body)
    assert response.status_code == 409
    assert written(session, pid) == before


# -- bulk assignment to a round ---------------------------------------------------------------


def test_bulk_assignment_to_a_round_skips_conflicts(world, make_user, make_department) -> None:
    other_department = make_department(name="税務課")
    other_author = make_user(Role.reviewer, name="田中三郎", department=other_department)
    first = in_review(world.api(world.author), world.sec, title="一件目")
    second = in_review(world.api(other_author), world.sec, title="二件目")
    waiting = submitted(world.api(world.author), title="未受理")
    round_id = get(world.sec, first)["round_id"]
    assert get(world.sec, second)["round_id"] == round_id
    assign(world.sec, second, world.c)
    colleague = make_user(Role.reviewer, name="同課審査員", department=world.department)

    response = world.sec.post(
        f"{API}/rounds/{round_id}/reviewers",
        json={"reviewer_ids": [world.a.id, colleague.id, other_author.id, world.c.id]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["proposals"] == 2
    # first: A, C and other_author added; colleague skipped (same department)
    # second: A and colleague added; C already there; other_author skipped (the author)
    assert body["assigned"] == 5
    skipped = {(s["proposal_id"], s["reviewer_id"]) for s in body["skipped"]}
    assert skipped == {(first, colleague.id), (second, other_author.id)}
    names = {s["reviewer_id"]: s["name"] for s in body["skipped"]}
    assert names == {colleague.id: "同課審査員", other_author.id: "田中三郎"}

    def reviewers_of(pid: int) -> set[int]:
        items = world.sec.get(f"{API}/proposals/{pid}/reviewers").json()["items"]
        return {i["reviewer_id"] for i in items}

    assert reviewers_of(first) == {world.a.id, world.c.id, other_author.id}
    assert reviewers_of(second) == {world.a.id, world.c.id, colleague.id}
    assert get(world.sec, first)["reviewers_assigned"] == 3
    assert get(world.sec, waiting)["reviewers_assigned"] == 0
    # Again: nothing more to add.
    again = world.sec.post(
        f"{API}/rounds/{round_id}/reviewers", json={"reviewer_ids": [world.a.id]}
    ).json()
    assert (again["proposals"], again["assigned"], again["skipped"]) == (2, 0, [])


def test_bulk_assignment_refusals(world, session) -> None:
    pid = in_review(world.api(world.author), world.sec)
    round_id = get(world.sec, pid)["round_id"]
    before = written(session, pid)
    body = {"reviewer_ids": [world.a.id]}
    assert (
        world.api(world.a).post(f"{API}/rounds/{round_id}/reviewers", json=body).status_code == 403
    )
    response = world.sec.post(f"{API}/rounds/{round_id}/reviewers", json={"reviewer_ids": [987654]})
    assert response.status_code == 422
    assert world.sec.post(f"{API}/rounds/{round_id}/reviewers", json={}).status_code == 422
    assert world.sec.post(f"{API}/rounds/987654/reviewers", json=body).status_code == 404
    # Rounds are public: an unknown one is 404 before the 403.
    assert world.api(world.a).post(f"{API}/rounds/987654/reviewers", json=body).status_code == 404
    assert written(session, pid) == before
