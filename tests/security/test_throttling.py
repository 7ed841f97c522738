"""Issue 11, item 4: sign-in throttling is atomic on both databases and cannot be used to
lock the owner out (app/services/auth.py, docs/security.md)."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.errors import NotAuthenticated, TooManyRequests
from app.models.types import utcnow
from app.services.auth import authenticate
from tests.conftest import PASSWORD
from tests.live import live_server

ATTACKER, OWNER = "10.1.2.3", "10.9.8.7"


def test_parallel_guesses_are_counted_atomically(settings: Settings, make_user) -> None:
    """The reproduction: 25 wrong passwords at once for one account. Exactly the free
    attempts are evaluated (401); every other one is refused before the check (429)."""
    user = make_user()
    free = settings.login_max_failures_per_account

    with (
        live_server(settings, workers=2) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):

        def guess(n: int) -> int:
            data = {"username": user.email, "password": f"wrong-guess-{n}"}
            return http.post("/api/v1/auth/token", data=data).status_code

        with ThreadPoolExecutor(max_workers=25) as pool:
            statuses = list(pool.map(guess, range(25)))
    assert statuses.count(401) == free, statuses
    assert statuses.count(429) == 25 - free, statuses


def attempt(session: Session, settings: Settings, user, password: str, address: str, now):
    return authenticate(
        session, email=user.email, password=password, address=address, settings=settings, now=now
    )


def test_a_stranger_cannot_lock_the_owner_out(session: Session, settings: Settings, make_user):
    user = make_user()
    now = utcnow()
    for _ in range(settings.login_max_failures_per_account):
        with pytest.raises(NotAuthenticated):
            attempt(session, settings, user, "guess-guess-guess", ATTACKER, now)
    with pytest.raises(TooManyRequests):
        attempt(session, settings, user, PASSWORD, ATTACKER, now)  # the attacker is slowed
    assert attempt(session, settings, user, PASSWORD, OWNER, now).id == user.id


def test_the_delay_doubles_and_a_success_starts_afresh(
    session: Session, settings: Settings, make_user
) -> None:
    user = make_user()
    now = utcnow()
    for _ in range(settings.login_max_failures_per_account):
        with pytest.raises(NotAuthenticated):
            attempt(session, settings, user, "guess-guess-guess", ATTACKER, now)
    delays = []
    for _ in range(3):
        with pytest.raises(TooManyRequests) as blocked:
            attempt(session, settings, user, "guess-guess-guess", ATTACKER, now)
        delays.append(int(blocked.value.headers["Retry-After"]))
        now += timedelta(seconds=delays[-1])  # wait it out, then fail once more
        with pytest.raises(NotAuthenticated):
            attempt(session, settings, user, "guess-guess-guess", ATTACKER, now)
    assert delays == [30, 60, 120]
    with pytest.raises(TooManyRequests):
        attempt(session, settings, user, PASSWORD, ATTACKER, now)
    now += timedelta(seconds=240)
    assert attempt(session, settings, user, PASSWORD, ATTACKER, now).id == user.id
    # A success clears the pair: the free attempts are there again.
    for _ in range(settings.login_max_failures_per_account - 1):
        with pytest.raises(NotAuthenticated):
            attempt(session, settings, user, "guess-guess-guess", ATTACKER, now)
    assert attempt(session, settings, user, PASSWORD, ATTACKER, now).id == user.id


def test_the_delay_never_exceeds_the_window(session: Session, settings: Settings, make_user):
    user = make_user()
    now = utcnow()
    window = settings.login_failure_window_minutes * 60
    retry = 0
    for _ in range(settings.login_max_failures_per_account + 12):
        try:
            attempt(session, settings, user, "guess-guess-guess", ATTACKER, now)
        except NotAuthenticated:
            continue
        except TooManyRequests as exc:
            retry = int(exc.headers["Retry-After"])
            now += timedelta(seconds=retry)
    assert retry == window


def test_an_address_spraying_many_accounts_is_slowed(
    session: Session, settings: Settings, make_user
) -> None:
    user = make_user()
    now = utcnow()
    for n in range(settings.login_max_failures_per_address):
        with pytest.raises(NotAuthenticated):
            authenticate(
                session,
                email=f"spray{n}@test.example",
                password="guess-guess-guess",
                address=ATTACKER,
                settings=settings,
                now=now,
            )
    with pytest.raises(TooManyRequests):
        attempt(session, settings, user, PASSWORD, ATTACKER, now)
    assert attempt(session, settings, user, PASSWORD, OWNER, now).id == user.id


def test_the_owner_signs_in_on_the_page_while_an_attacker_is_blocked(
    app, make_user, settings: Settings
) -> None:
    user = make_user()
    with TestClient(app, client=(ATTACKER, 5000)) as attacker:
        for _ in range(settings.login_max_failures_per_account):
            attacker.post("/api/v1/auth/token", data={"username": user.email, "password": "x"})
        blocked = attacker.post(
            "/api/v1/auth/token", data={"username": user.email, "password": PASSWORD}
        )
        assert blocked.status_code == 429
    with TestClient(app, client=(OWNER, 5000)) as owner:
        data = {"username": user.email, "password": PASSWORD}
        assert owner.post("/api/v1/auth/token", data=data).status_code == 200
