"""The database snapshot a backup is made of (backup.py): SQLite's online backup API, or
pg_dump reading the snapshot a REPEATABLE READ transaction exported, with the row counts
and attachment rows of exactly that state."""

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app.config import Settings
from app.services.backup_base import (
    LOCK_WAIT_TIMEOUT,
    BackupError,
    Snapshot,
    libpq_args,
    quote_ident,
    run_tool,
    sqlite_path,
    tool,
)
from app.services.search import DATABASE_ONLY_TABLE_PREFIX


def read_snapshot(query: Callable[[str], list], tables: Iterable[str]) -> Snapshot:
    tables = sorted(t for t in tables if not t.startswith(DATABASE_ONLY_TABLE_PREFIX))
    counts = {t: int(query(f"SELECT COUNT(*) FROM {quote_ident(t)}")[0][0]) for t in tables}
    revision = None
    if "alembic_version" in counts:
        rows = query("SELECT version_num FROM alembic_version")
        revision = rows[0][0] if rows else None
    attachments = []
    if "attachment" in counts:
        attachments = [
            (int(r[0]), int(r[1]), str(r[2]), str(r[3]), int(r[4]))
            for r in query(
                "SELECT id, proposal_id, storage_name, sha256, size FROM attachment ORDER BY id"
            )
        ]
    return Snapshot(revision, counts, attachments)


SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
PG_TABLES = (
    "SELECT table_name FROM information_schema.tables "
    "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
)


def sqlite_snapshot(settings: Settings, target: Path) -> Snapshot:
    source_path = sqlite_path(settings)
    if not source_path.is_file():
        raise BackupError(f"no SQLite database at {source_path}")
    try:
        source = sqlite3.connect(source_path, timeout=30)
        destination = sqlite3.connect(target)
        try:
            # pages=-1: every page in one step, inside one read transaction: a consistent
            # copy, while writers carry on (WAL).
            source.backup(destination, pages=-1)
        finally:
            source.close()
        try:
            destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file

            def query(sql: str) -> list:
                return destination.execute(sql).fetchall()

            return read_snapshot(query, [r[0] for r in query(SQLITE_TABLES)])
        finally:
            destination.close()
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup of {source_path} failed: {exc}") from exc


def pg_snapshot(settings: Settings, target: Path) -> Snapshot:
    pg_dump = tool("pg_dump")
    uri, env = libpq_args(settings)
    engine = create_engine(settings.sqlalchemy_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                connection.execute(text("SET TRANSACTION READ ONLY"))
                snapshot_id = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                schema = connection.execute(text("SELECT current_schema()")).scalar_one()
                extensions = list(
                    connection.execute(
                        text("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'")
                    ).scalars()
                )
                command = [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot_id}",
                    f"--lock-wait-timeout={LOCK_WAIT_TIMEOUT}",
                    f"--schema={quote_ident(schema)}",
                    *(f"--extension={quote_ident(e)}" for e in extensions),
                    f"--file={target}",
                    f"--dbname={uri}",
                ]
                # The exporting transaction stays open until pg_dump is done.
                run_tool(command, env, "pg_dump")

                def query(sql: str) -> list:
                    return list(connection.execute(text(sql)).all())

                snapshot = read_snapshot(query, [r[0] for r in query(PG_TABLES)])
                snapshot.schema, snapshot.extensions = schema, extensions
                return snapshot
    except BackupError:
        raise
    except Exception as exc:  # the driver's errors: connection refused, bad password, …
        raise BackupError(f"PostgreSQL backup failed: {exc}") from exc
    finally:
        engine.dispose()


def live_attachment_ids(settings: Settings, ids: list[int]) -> set[int]:
    """Which of these attachment rows the live database still has."""
    if not ids:
        return set()
    engine = create_engine(settings.sqlalchemy_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            listed = ", ".join(str(int(i)) for i in ids)
            rows = connection.execute(text(f"SELECT id FROM attachment WHERE id IN ({listed})"))
            return {int(r[0]) for r in rows}
    except Exception:
        return set(ids)  # cannot tell: treat them all as lost
    finally:
        engine.dispose()
