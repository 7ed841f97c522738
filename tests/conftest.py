"""Shared fixtures: one migrated database per run (SQLite file, or the PostgreSQL database
named by DATABASE_URL), emptied before every test; users, API and page clients."""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade_head
from app.models import Department, User
from app.models.auth_session import SessionKind
from app.models.department import DepartmentCreate
from app.models.enums import Role
from app.models.user import UserCreate
from app.security import use_fast_hashing
from app.services.departments import create_department
from app.services.rubric import seed_default_rubric
from app.services.sessions import open_session
from app.services.users import create_user

use_fast_hashing()

# Tables filled by migrations (reference data) survive the per-test clean-up.
REFERENCE_TABLES = {"initiative", "alembic_version"}
PASSWORD = "correct-horse-battery"
SECRET_KEY = "test-secret-key-that-is-long-enough-for-production"


def database_url(tmp_root: Path) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_root / 'test.db'}"


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql"))


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("app")
    return Settings(
        _env_file=None,
        environment="test",
        database_url=database_url(root),
        secret_key=SECRET_KEY,
        upload_dir=root / "uploads",
        # Nothing a test (or the fuzzer) subscribes may make the service send anywhere
        # but this machine.
        webhook_allowed_hosts="127.0.0.1,localhost",
        # In-process apps run no deliverer thread; the webhook tests start their own, and
        # live servers (tests/live.py) deliver as `make run` does.
        webhook_delivery_enabled=False,
    )


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings)
    if not settings.is_sqlite:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    with engine.begin() as connection:
        upgrade_head(connection)
    yield engine
    engine.dispose()


def clean_database(engine: Engine) -> None:
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name not in REFERENCE_TABLES]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(table.delete())
        seed_default_rubric(connection)


@pytest.fixture
def db_engine(engine: Engine) -> Engine:
    """The test database, empty but for the reference data."""
    clean_database(engine)
    return engine


@pytest.fixture
def session(db_engine: Engine) -> Iterator[Session]:
    with Session(db_engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def app(settings: Settings, db_engine: Engine):
    return create_app(settings, engine=db_engine)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def make_department(session: Session) -> Callable[..., Department]:
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, code: str | None = None) -> Department:
        n = next(counter)
        return create_department(
            session, data=DepartmentCreate(code=code or f"D{n:03d}", name=name or f"テスト課{n}")
        )

    return make


@pytest.fixture
def make_user(session: Session, make_department) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(
        *roles: Role,
        name: str | None = None,
        email: str | None = None,
        department: Department | None = None,
        is_active: bool = True,
        **fields,
    ) -> User:
        n = next(counter)
        department = department or make_department()
        return create_user(
            session,
            data=UserCreate(
                email=email or f"user{n}@test.example",
                name=name or f"職員{n}",
                password=PASSWORD,
                department_id=department.id,
                roles=[Role.staff, *roles],
                is_active=is_active,
                **fields,
            ),
        )

    return make


def bearer_token(engine: Engine, settings: Settings, user: User) -> str:
    """A live API token for `user`, as POST /auth/token would issue (without the password
    round trip)."""
    with Session(engine, expire_on_commit=False) as session:
        return open_session(session, user=user, kind=SessionKind.token, settings=settings)


@pytest.fixture
def api_as(app, settings: Settings) -> Iterator[Callable[[User], TestClient]]:
    """A bearer-token API client for a user."""
    clients: list[TestClient] = []

    def login(user: User) -> TestClient:
        client = TestClient(app)
        client.headers["Authorization"] = f"Bearer {bearer_token(app.state.engine, settings, user)}"
        clients.append(client)
        return client

    yield login
    for c in clients:
        c.close()


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class PageClient(TestClient):
    """A browser-like client: signed in through the login form, knows its CSRF token."""

    csrf: str = ""

    def refresh_csrf(self, path: str = "/") -> str:
        self.csrf = csrf_from(self.get(path).text)
        return self.csrf

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        payload = {"csrf_token": self.csrf, **(data or {})}
        return self.post(url, data=payload, follow_redirects=False, **kwargs)


@pytest.fixture
def page_as(app) -> Iterator[Callable[[User], PageClient]]:
    clients: list[PageClient] = []

    def login(user: User, password: str = PASSWORD) -> PageClient:
        client = PageClient(app)
        clients.append(client)
        token = csrf_from(client.get("/login").text)
        response = client.post(
            "/login",
            data={"email": user.email, "password": password, "csrf_token": token, "next": "/"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        client.refresh_csrf()
        return client

    yield login
    for c in clients:
        c.close()
