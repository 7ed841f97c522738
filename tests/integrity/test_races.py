"""Issue 12: races run for real — parallel clients against a live server, on SQLite and
PostgreSQL. Reviews by different reviewers are independent and both land; two writers
with the same If-Match get one 200 and one 412 (concurrency.lock, docs/integrity.md)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlmodel import Session

from app.models import Proposal
from app.models.enums import Role
from tests.api.review_support import assign, in_review, scores, submitted
from tests.conftest import PASSWORD

ROUNDS = 10


def token(server, user) -> str:
    response = httpx.post(
        f"{server.url}/api/v1/auth/token", data={"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def at_once(*calls):
    """Runs the calls in threads released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_two_reviewers_scoring_at_once_both_count(
    server, api_as, make_user, make_department, session: Session
) -> None:
    author = make_user()
    secretariat = make_user(Role.secretariat)
    first, second = make_user(Role.reviewer), make_user(Role.reviewer)
    author_api, sec_api = api_as(author), api_as(secretariat)
    pids = []
    for _ in range(ROUNDS):
        pid = in_review(author_api, sec_api)
        assign(sec_api, pid, first, second)
        pids.append(pid)
    clients = {
        reviewer.id: httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {token(server, reviewer)}"}
        )
        for reviewer in (first, second)
    }

    def review(reviewer, level: int, pid: int):
        body = {"scores": scores(*[level] * 6), "comment": "同時に採点"}
        return lambda: clients[reviewer.id].put(
            f"/api/v1/proposals/{pid}/reviews/mine", json=body, timeout=30
        )

    try:
        for pid in pids:
            answers = at_once(review(first, 5, pid), review(second, 2, pid))
            assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    finally:
        for client in clients.values():
            client.close()
    session.expire_all()
    for pid in pids:
        proposal = session.get(Proposal, pid)
        # 100 and 40 points: both counted, the mean is 70 — never 40 or 100 alone.
        assert (proposal.reviews_in, proposal.score) == (2, 70.0), pid


def test_two_writers_with_one_if_match_get_200_and_412(
    server, make_user, api_as, session: Session
) -> None:
    author = make_user()
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token(server, author)}"}
    ) as http:
        for n in range(ROUNDS):
            created = http.post("/api/v1/proposals", json={"title": f"同時編集の確認{n}"})
            assert created.status_code == 201
            pid, etag = created.json()["id"], created.headers["etag"]

            def edit(title: str, pid=pid, etag=etag):
                return lambda: http.patch(
                    f"/api/v1/proposals/{pid}",
                    json={"title": title},
                    headers={"If-Match": etag},
                    timeout=30,
                )

            answers = at_once(edit("一人目の件名"), edit("二人目の件名"))
            statuses = sorted(a.status_code for a in answers)
            assert statuses == [200, 412], [a.text for a in answers]
            loser = next(a for a in answers if a.status_code == 412)
            assert loser.headers["content-type"] == "application/problem+json"
            winner = next(a for a in answers if a.status_code == 200)
            session.expire_all()
            stored = session.get(Proposal, pid)
            assert (stored.title, stored.version) == (winner.json()["title"], 2)


def test_two_writers_without_if_match_both_land(server, make_user, session: Session) -> None:
    """No If-Match asks for no check: the second edit applies to the first's result."""
    author = make_user()
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token(server, author)}"}
    ) as http:
        pid = http.post("/api/v1/proposals", json={"title": "同時編集"}).json()["id"]

        def edit(field: str, value: str):
            return lambda: http.patch(f"/api/v1/proposals/{pid}", json={field: value}, timeout=30)

        for n in range(ROUNDS):
            answers = at_once(edit("summary", f"概要{n}"), edit("expected_effect", f"効果{n}"))
            assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
        session.expire_all()
        stored = session.get(Proposal, pid)
        assert (stored.summary, stored.expected_effect) == (
            f"概要{ROUNDS - 1}",
            f"効果{ROUNDS - 1}",
        )
        assert stored.version == 1 + 2 * ROUNDS


def test_two_secretaries_accepting_at_once_number_each_proposal_once(
    server, make_user, api_as, session: Session
) -> None:
    """The lifecycle and numbering race: each proposal accepted by two people at once is
    accepted once (the other gets 409), and the numbers run 1…N without a gap or a twin."""
    author = make_user()
    first, second = make_user(Role.secretariat), make_user(Role.secretariat)
    author_api = api_as(author)
    pids = [submitted(author_api) for _ in range(ROUNDS)]
    clients = [
        httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token(server, u)}"})
        for u in (first, second)
    ]

    def accept(client: httpx.Client, pid: int):
        return lambda: client.post(f"/api/v1/proposals/{pid}/accept", json={}, timeout=30)

    try:
        for pid in pids:
            answers = at_once(accept(clients[0], pid), accept(clients[1], pid))
            assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    finally:
        for client in clients:
            client.close()
    session.expire_all()
    numbers = sorted(session.get(Proposal, pid).number for pid in pids)
    serials = [int(number.rsplit("-", 1)[1]) for number in numbers]
    assert serials == list(range(1, ROUNDS + 1))
