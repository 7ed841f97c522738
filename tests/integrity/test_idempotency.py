"""Issue 12: a request sent twice creates one thing. API `POST`s with `Idempotency-Key`,
and page forms that create something (one-time `idempotency_key` field), run for real in
parallel against a live server on both databases (app/idempotency.py)."""

import re
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from app.models import Proposal
from tests.conftest import PASSWORD, PageClient, csrf_from

FORM_KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


def proposal_count(session: Session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Proposal)).one()


def signed_in(http: httpx.Client, user) -> None:
    token = csrf_from(http.get("/login").text)
    data = {"email": user.email, "password": PASSWORD, "csrf_token": token, "next": "/"}
    assert http.post("/login", data=data).status_code == 303


def test_parallel_api_posts_with_one_key_create_one_proposal(
    server, make_user, session: Session
) -> None:
    user = make_user()
    token = httpx.post(
        f"{server.url}/api/v1/auth/token", data={"username": user.email, "password": PASSWORD}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "portal-2026-0001"}
    body = {"title": "二重送信の確認"}

    def post(_: int) -> httpx.Response:
        return httpx.post(f"{server.url}/api/v1/proposals", json=body, headers=headers, timeout=30)

    for attempt in range(3):  # the race is timing-dependent: run it a few times
        headers["Idempotency-Key"] = f"portal-2026-{attempt}"
        with ThreadPoolExecutor(max_workers=4) as pool:
            responses = list(pool.map(post, range(4)))
        assert {r.status_code for r in responses} == {201}, [r.text for r in responses]
        assert len({r.json()["id"] for r in responses}) == 1
        replayed = [r for r in responses if r.headers.get("idempotent-replayed") == "true"]
        assert len(replayed) == 3
        assert all(r.headers["etag"] == responses[0].headers["etag"] for r in responses)
    assert proposal_count(session) == 3


def test_parallel_page_posts_of_one_form_create_one_draft(
    server, make_user, session: Session
) -> None:
    user = make_user()
    with httpx.Client(base_url=server.url, timeout=30) as http:
        signed_in(http, user)
        for _ in range(3):
            page = http.get("/proposals/new").text
            data = {
                "csrf_token": csrf_from(page),
                "idempotency_key": FORM_KEY.search(page).group(1),
                "title": "ダブルクリックの確認",
                "category": "other",
            }

            def post(_: int, data=data) -> httpx.Response:
                return http.post("/proposals/new", data=data)

            with ThreadPoolExecutor(max_workers=3) as pool:
                responses = list(pool.map(post, range(3)))
            assert {r.status_code for r in responses} == {303}, [r.status_code for r in responses]
            assert len({r.headers["location"] for r in responses}) == 1
    assert proposal_count(session) == 3


def test_the_same_key_with_another_body_is_422(api_as, make_user, session: Session) -> None:
    api = api_as(make_user())
    headers = {"Idempotency-Key": "k-1"}
    first = api.post("/api/v1/proposals", json={"title": "一件目"}, headers=headers)
    assert first.status_code == 201
    again = api.post("/api/v1/proposals", json={"title": "一件目"}, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    other = api.post("/api/v1/proposals", json={"title": "別の内容"}, headers=headers)
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert proposal_count(session) == 1


def test_keys_belong_to_their_caller_and_failures_are_not_kept(
    api_as, make_user, session: Session
) -> None:
    alice, bob = api_as(make_user()), api_as(make_user())
    headers = {"Idempotency-Key": "shared-key"}
    assert alice.post("/api/v1/proposals", json={"title": "A"}, headers=headers).status_code == 201
    assert bob.post("/api/v1/proposals", json={"title": "B"}, headers=headers).status_code == 201
    bad = alice.post("/api/v1/proposals", json={"title": ""}, headers={"Idempotency-Key": "k2"})
    assert bad.status_code == 422
    fixed = alice.post("/api/v1/proposals", json={"title": "C"}, headers={"Idempotency-Key": "k2"})
    assert fixed.status_code == 201
    assert proposal_count(session) == 3


def test_without_a_key_nothing_changes(api_as, make_user, session: Session) -> None:
    api = api_as(make_user())
    for _ in range(2):
        assert api.post("/api/v1/proposals", json={"title": "同じ件名"}).status_code == 201
    assert proposal_count(session) == 2


@pytest.mark.parametrize("key", [b"", b"x" * 256, "改善".encode()])
def test_a_malformed_key_is_422(api_as, make_user, key: bytes) -> None:
    api = api_as(make_user())
    headers = {"Idempotency-Key": key}
    response = api.post("/api/v1/proposals", json={"title": "件名"}, headers=headers)
    assert response.status_code == 422


def test_the_page_form_carries_a_fresh_key(page_as, make_user) -> None:
    page: PageClient = page_as(make_user())
    first = FORM_KEY.search(page.get("/proposals/new").text).group(1)
    second = FORM_KEY.search(page.get("/proposals/new").text).group(1)
    assert first != second and len(first) >= 16


def test_a_replayed_page_post_redirects_to_the_same_proposal(
    page_as, make_user, session: Session
) -> None:
    page: PageClient = page_as(make_user())
    key = FORM_KEY.search(page.get("/proposals/new").text).group(1)
    data = {"title": "再送信の確認", "category": "other", "idempotency_key": key}
    first = page.post_form("/proposals/new", data)
    second = page.post_form("/proposals/new", data)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert proposal_count(session) == 1
