"""Fuzzing the JSON API from its own OpenAPI document (security review, issue 11).

The real app runs under uvicorn in a subprocess on a free local port (tests/live.py),
against the test database: the suite's DATABASE_URL (SQLite or PostgreSQL), migrated by
the `engine` fixture. A user holding every role, with some data around it (departments,
proposals in several statuses, a milestone, a theme round) so that most operations get
past their 404s, signs in through POST /api/v1/auth/token like any client (fuzz_hooks.py).
Schemathesis (`st run`) then reads the live /openapi.json and runs every check on every
operation (schemathesis.toml): no server errors, responses that match the documented
status codes, content types, headers and schemas, invalid data refused, valid data
accepted where the contract allows it, 405 with a correct Allow for undeclared methods.
Any finding fails the test with schemathesis's report; the server's log is in the
captured stderr.

FUZZ_EXAMPLES (default 25 per operation: about a minute and a half on two cores, on
either database) and FUZZ_SEED (fixed, so a failure can be replayed) change the budget
and the seed.
"""

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from app.config import Settings
from app.models import Milestone, Round
from app.models.department import DepartmentCreate
from app.models.enums import Role, RoundKind, Status
from app.models.user import UserCreate
from app.services.departments import create_department
from app.services.users import create_user
from tests.helpers import proposal_in
from tests.live import live_server

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
PASSWORD = "Fuzz-Runner-Password-2026!"
EMAIL = "fuzz.runner@test.example"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
SEED = os.environ.get("FUZZ_SEED", "20260401")


def seed_data(session: Session) -> int:
    """A user with every role and enough around it to reach most operations; its id."""
    home = create_department(session, data=DepartmentCreate(code="F01", name="ファズ課"))
    other = create_department(session, data=DepartmentCreate(code="F02", name="総務課"))
    runner = create_user(
        session,
        data=UserCreate(
            email=EMAIL,
            name="ファズ 実行",
            password=PASSWORD,
            department_id=home.id,
            roles=list(Role),
        ),
    )
    author = create_user(
        session,
        data=UserCreate(
            email="fuzz.author@test.example",
            name="提案 太郎",
            password=PASSWORD,
            department_id=other.id,
        ),
    )
    for status in (Status.draft, Status.submitted, Status.adopted):
        proposal_in(session, status, author=runner)
    for status in (Status.submitted, Status.in_review, Status.adopted, Status.completed):
        proposal_in(session, status, author=author)
    running = proposal_in(session, Status.in_progress, author=author)
    running.implementing_department_id = home.id
    session.add(running)
    session.add(
        Milestone(proposal_id=running.id, title="予約画面の公開", due_date=date(2026, 9, 1))
    )
    session.add(
        Round(
            fiscal_year=2026,
            kind=RoundKind.theme.value,
            title="ペーパーレス",
            starts_on=date(2026, 4, 1),
            ends_on=date(2027, 3, 31),
        )
    )
    session.commit()
    assert runner.id is not None
    return runner.id


def test_schemathesis_finds_nothing(settings: Settings, session: Session, tmp_path: Path) -> None:
    runner_id = seed_data(session)
    # The fuzzer sends thousands of sign-ins with made-up credentials from 127.0.0.1; with
    # the real throttle it would soon block its own sign-in from that address too.
    unthrottled = {"LOGIN_MAX_FAILURES_PER_ACCOUNT": "1000000"}
    unthrottled["LOGIN_MAX_FAILURES_PER_ADDRESS"] = "1000000"
    with live_server(settings, **unthrottled) as server:
        result = run_schemathesis(server.url, runner_id, tmp_path)
    if result.returncode != 0:
        pytest.fail(
            f"schemathesis found problems (exit {result.returncode}); the server's log is in "
            f"the captured stderr below:\n{result.stdout}\n{result.stderr}"
        )


def run_schemathesis(url: str, runner_id: int, workdir: Path) -> subprocess.CompletedProcess:
    # The hooks sign in through POST /api/v1/auth/token; check here that they can.
    answer = httpx.post(f"{url}/api/v1/auth/token", data={"username": EMAIL, "password": PASSWORD})
    assert answer.status_code == 200, answer.text

    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    command = [
        st,
        "--config-file",
        str(CONFIG),
        "run",
        f"{url}/openapi.json",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        SEED,
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--output-truncate",
        "false",
    ]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SCHEMATHESIS_HOOKS": "tests.security.fuzz_hooks",
        "FUZZ_BASE_URL": url,
        "FUZZ_EMAIL": EMAIL,
        "FUZZ_PASSWORD": PASSWORD,
        "FUZZ_USER_ID": str(runner_id),
        "NO_COLOR": "1",
    }
    # In its own directory: schemathesis and Hypothesis leave files behind.
    return subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=600
    )
