"""Settings from the environment; `python -m app create-admin` is idempotent; the demo data has one account per role."""

from collections import Counter

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from app import __main__ as cli
from app.config import Settings, get_settings
from app.demo import ACCOUNTS, COLLEAGUES, DEMO_PASSWORD, HEADS, demo_email, load_demo
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
    assert len(users) == len(ACCOUNTS) + len(HEADS) + len(COLLEAGUES)
    # Every department with staff has its 所属長, who is asked for opinions.
    staffed = {user.department_id for user in users if user.is_active}
    headed = {u.department_id for u in users if u.is_active and u.has_role(Role.supervisor)}
    assert staffed == headed
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


def test_the_sample_rosters_apply_to_the_demo_data(session: Session) -> None:
    """docs/sample-roster.csv (UTF-8) numbers the demo town's staff and hires one person;
    docs/sample-roster-april.csv (Shift_JIS, as personnel systems export it) is the next 1
    April: 山田 一郎 moves and is promoted, 介護 拓也 leaves. Each applied twice changes
    nothing the second time (the April file is applied twice)."""
    from app.config import BASE_DIR
    from app.services.roster import import_roster

    load_demo(session)
    admin = session.exec(select(User).where(User.email == demo_email("admin"))).one()
    first = (BASE_DIR / "docs" / "sample-roster.csv").read_bytes()
    april = (BASE_DIR / "docs" / "sample-roster-april.csv").read_bytes()
    everyone = len(ACCOUNTS) + len(HEADS) + len(COLLEAGUES)
    tried = import_roster(session, data=first, actor=admin, dry_run=True)
    applied = import_roster(session, data=first, actor=admin)
    for result in (tried, applied):
        assert (result.created, result.updated, result.deactivated) == (1, everyone, 0)
        assert result.errors == []
    result = import_roster(session, data=april, actor=admin)
    assert (result.created, result.updated, result.deactivated, result.errors) == (0, 1, 1, [])
    session.expire_all()
    moved = session.exec(select(User).where(User.email == demo_email("staff"))).one()
    assert (moved.employee_number, moved.position, moved.is_active) == ("1003", "主任", True)
    left = session.exec(select(User).where(User.email == demo_email("staff-fukushi3"))).one()
    assert left.is_active is False
    again = import_roster(session, data=april, actor=admin)
    assert (again.created, again.updated, again.deactivated, again.errors) == (0, 0, 0, [])
