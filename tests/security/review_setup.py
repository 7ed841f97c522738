"""A proposal in review with everything a reader could learn its people from, for the
confidentiality tests of the review (issue 11, items 9 and 10): an author and a co-author
with names and departments found nowhere else, a 所属長意見 by the author's supervisor, an
attachment, and reviewers from departments of their own. Built through the API by the
real actors, so the timeline holds the events a real proposal would."""

from types import SimpleNamespace

from fastapi.testclient import TestClient

from app.models.enums import Role
from tests.helpers import COMPLETE

API = "/api/v1"
AUTHOR = "作者名ユニーク"
AUTHOR_DEPARTMENT = "作者課ユニーク"
CO_AUTHOR = "共著者名ユニーク"
CO_AUTHOR_DEPARTMENT = "共著課ユニーク"
SUPERVISOR = "所属長名ユニーク"
TITLE = "窓口予約システムの導入"
CODES = ("effectiveness", "feasibility", "economy", "originality", "applicability", "effort")


def ok(response, status: int = 200):
    assert response.status_code == status, response.text
    return response


def review_world(make_user, make_department, api_as, *, reviewers: int = 2) -> SimpleNamespace:
    """The proposal accepted into review with `reviewers` reviewers (role reviewer only,
    besides the staff role everyone holds) assigned."""
    home = make_department(name=AUTHOR_DEPARTMENT)
    author = make_user(name=AUTHOR, department=home)
    co_author = make_user(name=CO_AUTHOR, department=make_department(name=CO_AUTHOR_DEPARTMENT))
    supervisor = make_user(Role.supervisor, name=SUPERVISOR, department=home)
    secretariat = make_user(Role.secretariat, name="事務局員")
    assigned = [make_user(Role.reviewer, name=f"審査委員{n}") for n in range(reviewers)]
    author_api, sec = api_as(author), api_as(secretariat)

    created = ok(
        author_api.post(
            f"{API}/proposals", json={"title": TITLE, **COMPLETE, "co_author_ids": [co_author.id]}
        ),
        201,
    ).json()
    pid = created["id"]
    ok(
        author_api.post(
            f"{API}/proposals/{pid}/attachments",
            files={"file": ("memo.txt", "窓口の混雑状況のメモ".encode(), "text/plain")},
        ),
        201,
    )
    ok(author_api.post(f"{API}/proposals/{pid}/submit", json={}))
    ok(
        api_as(supervisor).put(
            f"{API}/proposals/{pid}/supervisor-opinion", json={"opinion": "実現性が高い提案です。"}
        )
    )
    ok(sec.post(f"{API}/proposals/{pid}/accept", json={}))
    ok(sec.put(f"{API}/proposals/{pid}/reviewers", json={"reviewer_ids": [r.id for r in assigned]}))
    return SimpleNamespace(
        pid=pid,
        home=home,
        author=author,
        co_author=co_author,
        supervisor=supervisor,
        secretariat=secretariat,
        reviewers=assigned,
        author_api=author_api,
        sec=sec,
    )


def scores(*levels: int) -> dict[str, int]:
    return dict(zip(CODES, levels, strict=True))


def score(api: TestClient, pid: int, *levels: int) -> dict:
    body = {"scores": scores(*levels), "comment": "講評です。"}
    return ok(api.put(f"{API}/proposals/{pid}/reviews/mine", json=body)).json()
