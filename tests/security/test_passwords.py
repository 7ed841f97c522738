"""Issue 11, item 3: the password policy (app/passwords.py, docs/security.md), through the
API, the admin page and `create-admin`, which no longer needs the password on the command
line."""

import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from app import __main__ as cli
from app.config import get_settings
from app.models import User
from app.models.enums import Role
from app.passwords import password_problem
from app.security import verify_password
from tests.conftest import PageClient


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("aaaaaaaaaa", "12文字以上"),  # the reproduction: 10 a's
        ("aaaaaaaaaaaa", "よく使われる"),
        ("abababababab", "よく使われる"),
        ("password1234", "よく使われる"),
        ("Password2026!", "よく使われる"),
        ("!!Qwertyuiop99", "よく使われる"),
        ("123456789012", "よく使われる"),
        ("2026-04-01-2026", "よく使われる"),
        ("hanako.yamada-2026-spring", "@ より前"),
        ("x" * 129, "128文字以内"),
    ],
)
def test_weak_passwords_are_refused_in_japanese(
    api_as, make_user, session: Session, password: str, message: str
) -> None:
    admin = make_user(Role.admin)
    before = session.exec(select(func.count()).select_from(User)).one()
    body = {"email": "Hanako.Yamada@test.example", "name": "山田 花子", "password": password}
    response = api_as(admin).post("/api/v1/users", json=body)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["loc"] == ["body", "password"] and message in error["msg"]
    assert session.exec(select(func.count()).select_from(User)).one() == before


def test_good_passwords_pass() -> None:
    for password in ("correct-horse-battery", "奈義町の秋祭りは十月です", "tsukiyo-ni-kome-2026"):
        assert password_problem(password, "hanako.yamada@test.example") is None


def test_a_reset_is_checked_against_the_stored_email(api_as, make_user) -> None:
    admin = make_user(Role.admin)
    user = make_user(email="kenji.sato@test.example")
    response = api_as(admin).patch(
        f"/api/v1/users/{user.id}", json={"password": "kenji.sato-was-here"}
    )
    assert response.status_code == 422
    assert "@ より前" in response.json()["errors"][0]["msg"]


def test_the_admin_form_shows_the_policy_message(page_as, make_user) -> None:
    page: PageClient = page_as(make_user(Role.admin))
    response = page.post_form(
        "/admin/users/new",
        {
            "name": "新人",
            "email": "new@test.example",
            "password": "qwerty123456",
            "roles": ["staff"],
        },
    )
    assert response.status_code == 422
    assert "よく使われるパスワード" in response.text


@pytest.fixture
def cli_env(monkeypatch, settings, db_engine):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_create_admin_reads_the_password_from_stdin(cli_env, session: Session, capsys) -> None:
    cli_env.setattr("sys.stdin", io.StringIO("a-long-admin-passphrase\n"))
    assert cli.main(["create-admin", "--email", "chief@test.example"]) == 0
    assert "created admin" in capsys.readouterr().out
    admin = session.exec(select(User).where(User.email == "chief@test.example")).one()
    assert verify_password("a-long-admin-passphrase", admin.password_hash)


def test_create_admin_refuses_a_weak_password_from_stdin(cli_env, session: Session, capsys) -> None:
    cli_env.setattr("sys.stdin", io.StringIO("password1234\n"))
    assert cli.main(["create-admin", "--email", "chief@test.example"]) == 2
    assert "よく使われる" in capsys.readouterr().err
    assert session.exec(select(func.count()).select_from(User)).one() == 0


def test_create_admin_prompts_twice_on_a_terminal(cli_env, session: Session) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = iter(["a-long-admin-passphrase", "a-long-admin-passphrase"])
    cli_env.setattr("sys.stdin", Terminal())
    cli_env.setattr("getpass.getpass", lambda prompt: next(answers))
    assert cli.main(["create-admin", "--email", "chief@test.example"]) == 0
    mismatched = iter(["a-long-admin-passphrase", "another-long-passphrase"])
    cli_env.setattr("getpass.getpass", lambda prompt: next(mismatched))
    assert cli.main(["create-admin", "--email", "chief@test.example"]) == 2


def test_token_endpoint_still_accepts_the_existing_accounts(client: TestClient, make_user) -> None:
    """The policy applies to new passwords; a sign-in is only checked against the hash."""
    user = make_user()
    data = {"username": user.email, "password": "correct-horse-battery"}
    assert client.post("/api/v1/auth/token", data=data).status_code == 200
