"""Settings from the environment; `python -m app create-admin` is idempotent; the demo data has one account per role."""

from collections import Counter

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from app import __main__ as cli
from app.config import Settings, get_settings
from app.demo import ACCOUNTS, COLLEAGUES, DEMO_PASSWORD, demo_email, load_demo
from app.models import Proposal, User
from app.models.enums import Role, Status
from app.security import verify_password


def test_database_url_forms(monkeypatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SECRET_KEY", "k" * 40)  # no key file written into data/
    assert Settings(_env_file=None).sqlalchemy_url.startswith("sqlite:///")
    assert Settings(_env_file=None).sqlalchemy_url.endswith("/data/app.db")
    for url in ("postgres://u:p@h/db", "postgresql://u:p@h/db"):
        assert Settings(_env_file=None, database_url=url).sqlalchemy_url == (
            "postgresql+psycopg://u:p@h/db"
        )


def test_settings_from_environment(monkeypatch) -> None:
    monkeypatch.setenv("SESSION_LIFETIME_MINUTES", "30")
    monkeypatch.setenv("UPLOAD_MAX_BYTES", "1048576")
    monkeypatch.setenv("DEMO", "true")
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    settings = Settings(_env_file=None)
    assert settings.session_lifetime_minutes == 30
    assert settings.upload_max_bytes == 1048576
    assert settings.demo is True


@pytest.fixture
def cli_env(monkeypatch, settings, db_engine):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_create_admin_is_idempotent(cli_env, session: Session, capsys) -> None:
    args = ["create-admin", "--email", "Chief@Test.Example", "--password", "first-password-1"]
    assert cli.main(args) == 0
    assert "created admin chief@test.example" in capsys.readouterr().out
    assert cli.main([*args[:3], "--password", "second-password", "--name", "管理 者"]) == 0
    assert "updated admin" in capsys.readouterr().out
    session.expire_all()
    admins = session.exec(select(User).where(User.email == "chief@test.example")).all()
    assert len(admins) == 1
    assert admins[0].roles == ["staff", "admin"] and admins[0].name == "管理 者"
    assert verify_password("second-password", admins[0].password_hash)


def test_create_admin_refuses_bad_input(cli_env, session: Session, capsys) -> None:
    assert cli.main(["create-admin", "--email", "nope", "--password", "long-password"]) == 2
    assert cli.main(["create-admin", "--email", "a@test.example", "--password", "short"]) == 2
    assert session.exec(select(func.count()).select_from(User)).one() == 0


def test_demo_data_has_every_role_and_loads_once(session: Session) -> None:
    assert load_demo(session) is True
    assert load_demo(session) is False
    users = session.exec(select(User)).all()
    assert len(users) == len(ACCOUNTS) + len(COLLEAGUES)
    # Every demo department is big enough to be named in the figures staff see.
    per_department = Counter(user.department_id for user in users if user.is_active)
    assert (
        min(per_department.values())
        >= Settings(_env_file=None, secret_key="k" * 40).small_group_min_staff
    )
    held = {role for user in users for role in user.roles}
    assert held == {role.value for role in Role}
    staff = session.exec(select(User).where(User.email == demo_email("staff"))).one()
    assert verify_password(DEMO_PASSWORD, staff.password_hash)
    assert any(u.employment_type == "fiscal_year_appointed" for u in users)
    proposals = session.exec(select(Proposal)).all()
    assert {p.status for p in proposals} == {s.value for s in Status}
    assert len({p.initiative_id for p in proposals}) >= 8
    assert len({p.department_id for p in proposals if p.department_id}) >= 4
    assert any(p.needs_discussion for p in proposals)
    assert {p.award for p in proposals} >= {"grand", "excellent", "merit", "encouragement"}
