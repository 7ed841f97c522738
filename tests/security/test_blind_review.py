"""Issue 11, item 9: under blind review nothing a reviewer can reach names the authors.

A reviewer (role reviewer only) assigned to a proposal in review walks every endpoint and
page open to them: the API's list, detail, search, similar-title hints, timeline,
attachments, rubric, the review queue, scoring, their review, notifications and recusal;
the proposal page, the list, the home page, the rubric, notifications, the queue, the
scoring form and the proposal printed as 様式第1号 (the committee's review packet is
refused them: the secretariat's alone). No answer may carry the name or id of the author, the co-author, their
departments or the supervisor who wrote the 所属長意見 (that one gives the department away).
Before the fix the review queue and the recusal answer returned the raw proposal with
`supervisor_opinion_by_id`.
"""

from types import SimpleNamespace
from typing import Any

import pytest

from tests.security.review_setup import (
    API,
    AUTHOR,
    AUTHOR_DEPARTMENT,
    CO_AUTHOR,
    CO_AUTHOR_DEPARTMENT,
    SUPERVISOR,
    TITLE,
    ok,
    review_world,
    score,
    scores,
)

HX = {"HX-Request": "true"}
NAMES = (AUTHOR, AUTHOR_DEPARTMENT, CO_AUTHOR, CO_AUTHOR_DEPARTMENT, SUPERVISOR)
# Ids that point at neither a person nor a department.
NEUTRAL_KEYS = {
    "id",
    "proposal_id",
    "round_id",
    "initiative_id",
    "rubric_version_id",
    "attachment_id",
    "milestone_id",
}


@pytest.fixture
def world(make_user, make_department, api_as) -> SimpleNamespace:
    return review_world(make_user, make_department, api_as)


def _flat(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return [item for part in value for item in _flat(part)]
    return [value]


def id_leaks(body: Any, world: SimpleNamespace, path: str = "$") -> list[str]:
    """Every `*_id` / `*_ids` value in the JSON that is one of the hidden people (or, for a
    department key, one of their departments)."""
    people = {world.author.id, world.co_author.id, world.supervisor.id}
    departments = {world.author.department_id, world.co_author.department_id}
    found = []
    if isinstance(body, dict):
        for key, value in body.items():
            here = f"{path}.{key}"
            if (key.endswith(("_id", "_ids"))) and key not in NEUTRAL_KEYS:
                hidden = departments if "department" in key else people
                if hidden & {v for v in _flat(value) if isinstance(v, int)}:
                    found.append(f"{here} = {value!r}")
            found += id_leaks(value, world, here)
    elif isinstance(body, list):
        for index, item in enumerate(body):
            found += id_leaks(item, world, f"{path}[{index}]")
    return found


def assert_blind(response, world: SimpleNamespace, what: str) -> None:
    assert response.status_code < 400, (what, response.status_code, response.text)
    named = [name for name in NAMES if name in response.text]
    assert not named, f"{what} names {named}"
    if response.headers.get("content-type", "").startswith("application/json"):
        leaks = id_leaks(response.json(), world)
        assert not leaks, f"{what} leaks {leaks}"


def test_no_api_answer_to_a_blind_reviewer_names_the_authors(world, api_as) -> None:
    pid = world.pid
    api = api_as(world.reviewers[0])
    # The proposal is really there for the reviewer (so an empty answer proves nothing).
    assert ok(api.get(f"{API}/proposals/{pid}")).json()["title"] == TITLE
    assert ok(api.get(f"{API}/proposals/{pid}/attachments")).json()["total"] == 1

    reads = {
        "list": f"{API}/proposals",
        "search": f"{API}/proposals?q=窓口",
        "similar": f"{API}/proposals/similar?title=窓口予約システム",
        "detail": f"{API}/proposals/{pid}",
        "events": f"{API}/proposals/{pid}/events",
        "attachments": f"{API}/proposals/{pid}/attachments",
        "rubric": f"{API}/rubric",
        "assigned": f"{API}/reviews/assigned",
        "notifications": f"{API}/notifications",
    }
    for what, path in reads.items():
        assert_blind(api.get(path), world, what)
    assert ok(api.get(f"{API}/proposals?q=窓口")).json()["total"] == 1
    assert ok(api.get(f"{API}/reviews/assigned")).json()["total"] == 1

    body = {"scores": scores(4, 4, 4, 4, 4, 4), "comment": "講評です。"}
    assert_blind(api.put(f"{API}/proposals/{pid}/reviews/mine", json=body), world, "score")
    for what, path in {
        "my review": f"{API}/proposals/{pid}/reviews/mine",
        "reviews": f"{API}/proposals/{pid}/reviews",
        "assigned after scoring": f"{API}/reviews/assigned",
        "events after scoring": f"{API}/proposals/{pid}/events",
    }.items():
        assert_blind(api.get(path), world, what)

    refused = api.get(f"{API}/reviews/packet.pdf")  # the committee's packet: not theirs
    assert refused.status_code == 403 and not [n for n in NAMES if n in refused.text]

    recused = api.post(f"{API}/proposals/{pid}/recuse", json={"reason": "利害関係があるため"})
    assert_blind(recused, world, "recuse")
    assert recused.json()["id"] == pid


def test_no_page_shown_to_a_blind_reviewer_names_the_authors(world, page_as) -> None:
    pid = world.pid
    page = page_as(world.reviewers[1])
    detail = page.get(f"/proposals/{pid}")
    assert TITLE in detail.text and "memo.txt" in detail.text  # the page is really there
    assert_blind(detail, world, "proposal page")
    assert_blind(page.get("/proposals", params={"q": "窓口"}, headers=HX), world, "search page")
    assert_blind(page.get("/"), world, "home")
    assert_blind(page.get("/rubric"), world, "rubric page")
    assert_blind(page.get("/notifications"), world, "notifications page")
    queue = page.get("/reviews")
    assert TITLE in queue.text
    assert_blind(queue, world, "review queue")
    assert_blind(page.get(f"/proposals/{pid}/review"), world, "scoring form")
    sheet = page.get(f"/proposals/{pid}/print")  # 様式第1号, to print (issue 17)
    assert TITLE in sheet.text and "実現性が高い提案です。" in sheet.text
    assert_blind(sheet, world, "様式第1号")
    for packet in ("/ranking/packet", "/ranking/packet.pdf"):  # the secretariat's alone
        refused = page.get(packet)
        assert refused.status_code == 403, packet
        assert TITLE not in refused.text and not [n for n in NAMES if n in refused.text]
    form = {f"score-{code}": str(level) for code, level in scores(3, 3, 3, 3, 3, 3).items()}
    saved = page.post_form(f"/proposals/{pid}/review", {**form, "comment": "講評"}, headers=HX)
    assert "60.0" in saved.text
    assert_blind(saved, world, "scoring form after saving")
    assert_blind(page.get(f"/proposals/{pid}"), world, "proposal page after scoring")


def test_the_secretariat_still_sees_the_authors(world, api_as) -> None:
    score(api_as(world.reviewers[0]), world.pid, 4, 4, 4, 4, 4, 4)
    full = ok(world.sec.get(f"{API}/proposals/{world.pid}")).json()
    assert (full["author_id"], full["co_author_ids"]) == (world.author.id, [world.co_author.id])
    assert full["department_id"] == world.home.id
