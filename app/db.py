"""The database engine and the per-request session."""

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Table, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, SQLModel, create_engine

from app.config import Settings

# Sync routes run in anyio's worker threads, at most this many at once (its default limiter).
# The SQLite pool keeps that many connections open, so a request under load never opens a
# new one (each new SQLite connection re-runs the PRAGMAs and re-reads the schema); the
# overflow is for the few requests that use a second session (the layout's unread badge).
THREADS = 40
SQLITE_OVERFLOW = 10
# PostgreSQL: per worker process; at most 20 connections each, as before, but 16 of them
# kept instead of 10, so 16 concurrent requests do not reconnect. Four workers stay under
# PostgreSQL's default of 100 connections.
PG_POOL_SIZE = 16
PG_OVERFLOW = 4


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(settings: Settings) -> Engine:
    """An engine for the configured database; SQLite gets foreign keys, WAL and a busy timeout
    on every connection, and a pool as large as the thread pool (docs/benchmarks.md)."""
    url = settings.sqlalchemy_url
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        pool: dict = {}
        if database and database != ":memory:" and not make_url(url).query.get("mode"):
            pool = {"poolclass": QueuePool, "pool_size": THREADS, "max_overflow": SQLITE_OVERFLOW}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 5}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=PG_POOL_SIZE,
        max_overflow=PG_OVERFLOW,
        pool_use_lifo=True,
    )


def session_scope(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def insert_if_absent(session, table, values: dict, conflict_columns: list[str]) -> None:
    """INSERT … ON CONFLICT DO NOTHING on either database: safe when two requests race."""
    on_postgresql = session.get_bind().dialect.name == "postgresql"
    statement = postgresql.insert(table) if on_postgresql else sqlite.insert(table)
    session.execute(
        statement.values(**values).on_conflict_do_nothing(index_elements=conflict_columns)
    )


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model (for inserts that bypass the ORM)."""
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


# Registers the session events that keep each proposal's analysed words (proposal_term) in
# step with its texts, for every engine and session the application makes.
from app.services import text_index as _text_index  # noqa: E402, F401
