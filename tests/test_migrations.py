"""`alembic upgrade head` on an empty database matches the models exactly, loads the plan,
and can be undone."""

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from app.config import BASE_DIR, Settings
from app.db import make_engine
from app.migrate import COMPARE_OPTIONS, alembic_config, upgrade_head


@pytest.fixture
def empty_connection(settings: Settings, tmp_path: Path) -> Iterator[Connection]:
    """A connection to an empty database: a new SQLite file, or a new PostgreSQL schema."""
    if settings.is_sqlite:
        engine = make_engine(Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/m.db"))
        with engine.connect() as connection:
            yield connection
        engine.dispose()
        return
    schema = f"migration_{uuid.uuid4().hex[:8]}"
    admin = create_engine(settings.sqlalchemy_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(
        settings.sqlalchemy_url, connect_args={"options": f"-csearch_path={schema}"}
    )
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def drift(connection: Connection) -> list:
    context = MigrationContext.configure(connection, opts=dict(COMPARE_OPTIONS))
    return compare_metadata(context, SQLModel.metadata)


def test_upgrade_head_on_empty_database_matches_models(empty_connection: Connection) -> None:
    upgrade_head(empty_connection)
    empty_connection.commit()
    assert drift(empty_connection) == []
    tables = set(inspect(empty_connection).get_table_names())
    assert {t.name for t in SQLModel.metadata.sorted_tables} <= tables


def test_migration_loads_the_plans_twelve_initiatives(empty_connection: Connection) -> None:
    upgrade_head(empty_connection)
    rows = empty_connection.execute(
        text("SELECT number, title FROM initiative ORDER BY number")
    ).all()
    plan = json.loads((BASE_DIR / "app" / "data" / "dx_initiatives.json").read_text("utf-8"))
    assert [(r.number, r.title) for r in rows] == [
        (i["number"], i["title"]) for i in plan["initiatives"]
    ]
    assert [r.number for r in rows] == list(range(1, 13))


def test_downgrade_to_base_and_back(empty_connection: Connection) -> None:
    upgrade_head(empty_connection)
    command.downgrade(alembic_config(empty_connection), "base")
    assert set(inspect(empty_connection).get_table_names()) <= {"alembic_version"}
    upgrade_head(empty_connection)
    empty_connection.commit()
    assert drift(empty_connection) == []


def test_foreign_keys_and_wal_are_on_for_sqlite(settings: Settings, tmp_path: Path) -> None:
    if not settings.is_sqlite:
        pytest.skip("SQLite pragmas")
    engine = make_engine(Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/p.db"))
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    engine.dispose()
