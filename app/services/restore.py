"""Restoring a backup (`python -m app restore DIR/<backup> [--force]`); the backup's format
and the guarantees are described in backup.py.

A restore checks the manifest and every checksum before it touches anything, then refuses
a target that holds data (database or upload directory) unless `force` is given, restores
the database (SQLite: the file is replaced atomically; PostgreSQL: the schema is dropped
and pg_restore recreates it in one transaction) and the files, and compares the restored
row counts with the manifest. The service should be stopped while a restore runs.
"""

import json
import os
import secrets
import shutil
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from app.config import Settings
from app.services.attachments import INCOMING
from app.services.backup_base import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MIGRATION_FILLED,
    PARTIAL_PREFIX,
    POSTGRES_FILE,
    SQLITE_FILE,
    UPLOADS,
    BackupError,
    ExitCode,
    copy_file,
    database_kind,
    fsync_dir,
    head_revision,
    libpq_args,
    quote_ident,
    run_tool,
    sha256_of,
    sqlite_path,
    to_stderr,
    tool,
)
from app.services.backup_snapshot import PG_TABLES, SQLITE_TABLES, read_snapshot
from app.services.search import DATABASE_ONLY_TABLE_PREFIX


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    row_counts: dict[str, int]
    files: int


# -- verification ----------------------------------------------------------------------------


def read_manifest(backup: Path) -> dict[str, Any]:
    """The manifest of a complete backup folder; BackupError (NOT_A_BACKUP) otherwise."""
    backup = Path(backup)
    if not backup.exists():
        raise BackupError(f"no such backup folder: {backup}", ExitCode.NOT_A_BACKUP)
    if not backup.is_dir():
        raise BackupError(f"not a folder: {backup}", ExitCode.NOT_A_BACKUP)
    if backup.resolve().name.startswith(PARTIAL_PREFIX):
        raise BackupError(
            f"{backup} is an unfinished backup (its name starts with {PARTIAL_PREFIX})",
            ExitCode.NOT_A_BACKUP,
        )
    path = backup / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(
            f"{backup} has no {MANIFEST}: not a backup", ExitCode.NOT_A_BACKUP
        ) from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} is unreadable: {exc}", ExitCode.NOT_A_BACKUP) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a {FORMAT} manifest", ExitCode.NOT_A_BACKUP)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{path} has format version {manifest.get('format_version')}; "
            f"this version reads {FORMAT_VERSION}",
            ExitCode.NOT_A_BACKUP,
        )
    database = manifest.get("database")
    if not isinstance(database, dict) or database.get("file") not in (SQLITE_FILE, POSTGRES_FILE):
        raise BackupError(f"{path} names no database file", ExitCode.NOT_A_BACKUP)
    if not isinstance(manifest.get("uploads"), dict):
        raise BackupError(f"{path} lists no uploads", ExitCode.NOT_A_BACKUP)
    return manifest


def _inside(root: Path, relative: str) -> Path:
    path = (root / relative).resolve()
    if not path.is_relative_to(root.resolve()) or path == root.resolve():
        raise BackupError(
            f"the manifest names a path outside the backup: {relative}", ExitCode.CORRUPT
        )
    return path


def verify_backup(backup: Path) -> dict[str, Any]:
    """The manifest, once the database file and every upload match their checksums and
    sizes; BackupError (NOT_A_BACKUP or CORRUPT) otherwise."""
    backup = Path(backup)
    manifest = read_manifest(backup)
    entries = [(manifest["database"]["file"], manifest["database"])]
    entries += [(f"{UPLOADS}/{name}", entry) for name, entry in manifest["uploads"].items()]
    bad = []
    for relative, entry in entries:
        path = _inside(backup, relative)
        try:
            sha, size = sha256_of(path)
        except FileNotFoundError:
            bad.append(f"{relative}: missing")
            continue
        except OSError as exc:
            bad.append(f"{relative}: unreadable ({exc})")
            continue
        if sha != entry.get("sha256") or size != entry.get("size"):
            bad.append(f"{relative}: checksum mismatch")
    if bad:
        shown = "; ".join(bad[:10]) + (f"; … {len(bad) - 10} more" if len(bad) > 10 else "")
        raise BackupError(f"the backup {backup} is damaged: {shown}", ExitCode.CORRUPT)
    return manifest


# -- restoring ---------------------------------------------------------------------------------


def _data_in(query: Callable[[str], list], tables: Iterable[str], schema: str = "") -> list[str]:
    """'table: n rows' for every table holding rows the migrations did not put there."""
    prefix = f"{quote_ident(schema)}." if schema else ""
    found = []
    for table in sorted(tables):
        if table.startswith(DATABASE_ONLY_TABLE_PREFIX) or table in MIGRATION_FILLED:
            continue
        count = int(query(f"SELECT COUNT(*) FROM {prefix}{quote_ident(table)}")[0][0])
        if count:
            found.append(f"{table}: {count} row{'s' if count > 1 else ''}")
    return found


def _sqlite_contents(path: Path) -> list[str]:
    if not path.exists():
        return []
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:

            def query(sql: str) -> list:
                return connection.execute(sql).fetchall()

            return _data_in(query, [r[0] for r in query(SQLITE_TABLES)])
        finally:
            connection.close()
    except sqlite3.Error as exc:
        return [f"{path} is not a readable SQLite database ({exc})"]


def _pg_contents(connection: Connection, schema: str) -> list[str]:
    tables = connection.execute(
        text(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = :schema AND table_type = 'BASE TABLE'"
        ),
        {"schema": schema},
    ).scalars()
    names = list(tables)

    def query(sql: str) -> list:
        return list(connection.execute(text(sql)).all())

    return _data_in(query, names, schema)


def _upload_contents(root: Path) -> list[str]:
    if not root.is_dir():
        return []
    # Hidden entries are the service's own scratch space (.incoming) or a failed restore's.
    entries = [p.name for p in root.iterdir() if not p.name.startswith(".")]
    return [f"upload directory {root}: {len(entries)} entries"] if entries else []


def _count_rows(settings: Settings) -> dict[str, int]:
    engine = create_engine(settings.sqlalchemy_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            sql = SQLITE_TABLES if settings.is_sqlite else PG_TABLES

            def query(statement: str) -> list:
                return list(connection.execute(text(statement)).all())

            return read_snapshot(query, [r[0] for r in query(sql)]).row_counts
    finally:
        engine.dispose()


def _restore_sqlite(settings: Settings, backup: Path, manifest: dict[str, Any]) -> None:
    target = sqlite_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.restore-{secrets.token_hex(4)}")
    try:
        copy_file(backup / manifest["database"]["file"], temporary)
        # A write-ahead log left by the old database would be replayed onto the new one.
        for suffix in ("-wal", "-shm", "-journal"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        os.replace(temporary, target)
        fsync_dir(target.parent)
    finally:
        temporary.unlink(missing_ok=True)


def _restore_postgres(
    settings: Settings, backup: Path, manifest: dict[str, Any], *, others: list[str], force: bool
) -> None:
    """`others`: what else the target holds (the upload directory), for the refusal."""
    pg_restore = tool("pg_restore")
    schema = manifest["database"].get("schema") or "public"
    uri, env = libpq_args(settings)
    engine = create_engine(settings.sqlalchemy_url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            contents = _pg_contents(connection, schema) + others
            if contents and not force:
                raise _not_empty(contents)
            # pg_restore recreates the schema (and the extensions it holds) itself.
            connection.execute(text(f"DROP SCHEMA IF EXISTS {quote_ident(schema)} CASCADE"))
        command = [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={uri}",
            str(backup / manifest["database"]["file"]),
        ]
        try:
            run_tool(command, env, "pg_restore")
        except BackupError as exc:
            with engine.begin() as connection:
                connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}"))
            raise BackupError(f"{exc} (the schema {schema} is left empty)") from exc
    except BackupError:
        raise
    except Exception as exc:
        raise BackupError(f"PostgreSQL restore failed: {exc}") from exc
    finally:
        engine.dispose()


def _not_empty(contents: list[str]) -> BackupError:
    return BackupError(
        "the target is not empty ("
        + "; ".join(contents)
        + "): restore only into an empty database and upload directory, "
        "or give --force to replace their data",
        ExitCode.NOT_EMPTY,
    )


def _restore_uploads(
    settings: Settings, backup: Path, manifest: dict[str, Any], force: bool
) -> int:
    root = Path(settings.upload_dir).resolve()
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".restore-{secrets.token_hex(4)}"
    try:
        staging.mkdir()
        for name, entry in manifest["uploads"].items():
            sha, _size = copy_file(_inside(backup, f"{UPLOADS}/{name}"), _inside(staging, name))
            if sha != entry["sha256"]:
                raise BackupError(
                    f"{UPLOADS}/{name} changed while it was restored", ExitCode.CORRUPT
                )
        if force:
            for entry in root.iterdir():
                if entry == staging or entry.name == INCOMING:
                    continue
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
        for entry in staging.iterdir():
            os.replace(entry, root / entry.name)
        fsync_dir(root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return len(manifest["uploads"])


def restore_backup(settings: Settings, backup: Path, *, force: bool = False) -> RestoreResult:
    """Restores `backup` into the configured database and upload directory (both must be
    empty unless `force`). BackupError with the matching exit code on any failure."""
    backup = Path(backup)
    manifest = read_manifest(backup)
    kind = database_kind(settings)
    if manifest["database"].get("kind") != kind:
        raise BackupError(
            f"the backup holds a {manifest['database'].get('kind')} database but DATABASE_URL "
            f"names a {kind} one; restore it with a matching DATABASE_URL",
            ExitCode.WRONG_KIND,
        )
    verify_backup(backup)
    upload_contents = _upload_contents(Path(settings.upload_dir).resolve())
    try:
        if kind == "sqlite":
            contents = _sqlite_contents(sqlite_path(settings)) + upload_contents
            if contents and not force:
                raise _not_empty(contents)
            _restore_sqlite(settings, backup, manifest)
        else:
            _restore_postgres(settings, backup, manifest, others=upload_contents, force=force)
        files = _restore_uploads(settings, backup, manifest, force)
        counts = _count_rows(settings)
    except OSError as exc:
        raise BackupError(f"restoring failed: {exc}") from exc
    expected = manifest.get("row_counts") or {}
    if counts != expected:
        differing = sorted(
            t for t in set(counts) | set(expected) if counts.get(t) != expected.get(t)
        )
        raise BackupError(
            "the restored row counts differ from the manifest: "
            + ", ".join(f"{t} {counts.get(t)} ≠ {expected.get(t)}" for t in differing)
        )
    return RestoreResult(manifest, counts, files)


def restore_command(settings: Settings, backup: Path, *, force: bool, out=print, err=None) -> int:
    """`python -m app restore DIR/<backup> [--force]`; returns the exit code."""
    err = err or to_stderr
    try:
        result = restore_backup(settings, backup, force=force)
    except BackupError as exc:
        err(f"error: {exc}")
        return int(exc.code)
    revision = result.manifest.get("schema_revision")
    out(
        f"restored {backup} (taken {result.manifest.get('created_at')}, revision {revision}): "
        f"{result.row_counts.get('proposal', 0)} proposals, {result.files} files"
    )
    head = head_revision()
    if revision != head:
        out(
            f"note: the backup is at revision {revision}, this version's is {head}: "
            "run `python -m app migrate` before starting the service"
        )
    return int(ExitCode.OK)
