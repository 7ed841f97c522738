"""Backups and restores (`python -m app backup DIR`, `python -m app restore DIR/<backup>`).

A backup is one folder `DIR/teian-<UTC time>/` holding

- the database snapshot: `database.sqlite3` (SQLite's online backup API, one step, so one
  consistent read transaction while the service keeps writing) or `database.pgdump`
  (`pg_dump --format=custom` of the service's schema and the extensions it uses, reading
  the snapshot exported by a REPEATABLE READ transaction, so the row counts and attachment
  list in the manifest come from exactly the state that was dumped);
- `uploads/<proposal id>/<storage name>`: the files of the snapshot's attachment rows,
  copied after the snapshot was taken, so every row has its file (files uploaded later
  are left for the next backup);
- `manifest.json`: time, database kind, schema revision (alembic_version), row counts per
  table and sha256 checksums of the database file and of every uploaded file.

It is written as `DIR/.partial-teian-<time>-<random>/` and renamed once everything is on
disk, so a half-written backup never looks like a good one.

A restore checks the manifest and every checksum before it touches anything, then refuses
a target that holds data (database or upload directory) unless `force` is given, restores
the database (SQLite: the file is replaced atomically; PostgreSQL: the schema is dropped
and pg_restore recreates it in one transaction) and the files, and compares the restored
row counts with the manifest. The service should be stopped while a restore runs.

Every failure is a BackupError carrying one of the exit codes below.
"""

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.pool import NullPool

from app.config import Settings
from app.services.attachments import INCOMING, STORAGE_NAME
from app.services.search import DATABASE_ONLY_TABLE_PREFIX

FORMAT = "teian-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
UPLOADS = "uploads"
NAME_PREFIX = "teian-"
PARTIAL_PREFIX = ".partial-"
CHUNK = 1024 * 1024
# Tables the migrations fill: a database holding only these rows counts as empty.
MIGRATION_FILLED = frozenset(
    {"alembic_version", "initiative", "rubric_version", "rubric_criterion"}
)
# An attachment row deleted (with its file) between the snapshot and the file copy: no loss.
DELETED_AFTER_SNAPSHOT = "deleted after the snapshot"
# pg_dump waits this long for a table lock (a running migration) before giving up.
LOCK_WAIT_TIMEOUT = "120s"


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # the tool, the database or the disk failed; see the message
    # 2 is argparse's usage error
    NOT_A_BACKUP = 3  # the folder is missing, incomplete or has no readable manifest
    CORRUPT = 4  # a checksum or size differs, or a file listed in the manifest is missing
    WRONG_KIND = 5  # a SQLite backup for a PostgreSQL service, or the other way round
    NOT_EMPTY = 6  # the target database or upload directory holds data (use --force)
    UPLOADS_MISSING = 7  # backup written, but files of some attachment rows were missing


class BackupError(Exception):
    def __init__(self, message: str, code: ExitCode = ExitCode.FAILED) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    # Attachment rows whose file could not be copied as the row describes it.
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        serious = [p for p in self.problems if p["reason"] != DELETED_AFTER_SNAPSHOT]
        return ExitCode.UPLOADS_MISSING if serious else ExitCode.OK


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    row_counts: dict[str, int]
    files: int


@dataclass
class _Snapshot:
    revision: str | None
    row_counts: dict[str, int]
    # (id, proposal_id, storage_name, sha256, size) of every attachment row
    attachments: list[tuple[int, int, str, str, int]]
    schema: str | None = None
    extensions: list[str] = field(default_factory=list)


# -- small helpers ---------------------------------------------------------------------------


def database_kind(settings: Settings) -> str:
    return "sqlite" if settings.is_sqlite else "postgresql"


def _sqlite_path(settings: Settings) -> Path:
    database = make_url(settings.sqlalchemy_url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"DATABASE_URL names no SQLite file: {settings.database_url}")
    return Path(database).resolve()


def _safe_url(settings: Settings) -> str:
    return make_url(settings.sqlalchemy_url).render_as_string(hide_password=True)


def _libpq(settings: Settings) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment carrying the password
    (PGPASSWORD), so that it never appears on a command line."""
    url: URL = make_url(settings.sqlalchemy_url)
    user = quote(url.username or "", safe="")
    host = url.host or ""
    if host and ":" in host:  # IPv6
        host = f"[{host}]"
    netloc = f"{user}@{host}" if user else host
    if url.port:
        netloc += f":{url.port}"
    uri = f"postgresql://{netloc}/{quote(url.database or '', safe='')}"
    query = {k: v if isinstance(v, str) else v[-1] for k, v in url.query.items()}
    if query:
        uri += "?" + urlencode(query)
    env = {k: v for k, v in os.environ.items() if k != "PGPASSWORD"}
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return uri, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client (the server's major version "
            "or newer), e.g. apt-get install postgresql-client"
        )
    return path


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"{what} could not run: {exc}") from exc
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(f"{what} failed (exit {result.returncode}): {detail}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _copy(source: Path, target: Path) -> tuple[str, int]:
    """Copies a file (0640), hashing it on the way; returns its sha256 and size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as reader:
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        with os.fdopen(descriptor, "wb") as writer:
            while chunk := reader.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                writer.write(chunk)
            writer.flush()
            os.fsync(writer.fileno())
    return digest.hexdigest(), size


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _read_snapshot(query: Callable[[str], list], tables: Iterable[str]) -> _Snapshot:
    tables = sorted(t for t in tables if not t.startswith(DATABASE_ONLY_TABLE_PREFIX))
    counts = {t: int(query(f"SELECT COUNT(*) FROM {_quote(t)}")[0][0]) for t in tables}
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
    return _Snapshot(revision, counts, attachments)


SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
PG_TABLES = (
    "SELECT table_name FROM information_schema.tables "
    "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
)


def _sqlite_snapshot(settings: Settings, target: Path) -> _Snapshot:
    source_path = _sqlite_path(settings)
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

            return _read_snapshot(query, [r[0] for r in query(SQLITE_TABLES)])
        finally:
            destination.close()
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup of {source_path} failed: {exc}") from exc


def _pg_snapshot(settings: Settings, target: Path) -> _Snapshot:
    pg_dump = _tool("pg_dump")
    uri, env = _libpq(settings)
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
                    f"--schema={_quote(schema)}",
                    *(f"--extension={_quote(e)}" for e in extensions),
                    f"--file={target}",
                    f"--dbname={uri}",
                ]
                # The exporting transaction stays open until pg_dump is done.
                _run(command, env, "pg_dump")

                def query(sql: str) -> list:
                    return list(connection.execute(text(sql)).all())

                snapshot = _read_snapshot(query, [r[0] for r in query(PG_TABLES)])
                snapshot.schema, snapshot.extensions = schema, extensions
                return snapshot
    except BackupError:
        raise
    except Exception as exc:  # the driver's errors: connection refused, bad password, …
        raise BackupError(f"PostgreSQL backup failed: {exc}") from exc
    finally:
        engine.dispose()


def _live_attachment_ids(settings: Settings, ids: list[int]) -> set[int]:
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


# -- backup ----------------------------------------------------------------------------------


def _backup_name(directory: Path, now: datetime) -> str:
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    name = f"{NAME_PREFIX}{stamp}"
    n = 1
    while (directory / name).exists():
        n += 1
        name = f"{NAME_PREFIX}{stamp}-{n}"
    return name


def create_backup(
    settings: Settings, directory: Path, *, now: datetime | None = None
) -> BackupResult:
    """Writes a complete backup into a new folder under `directory` (created if needed)
    and returns it. BackupError when nothing usable was written."""
    now = now or datetime.now(UTC)
    kind = database_kind(settings)
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot create the backup directory {directory}: {exc}") from exc
    staging = (
        directory / f"{PARTIAL_PREFIX}{NAME_PREFIX}{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
    )
    try:
        staging.mkdir(mode=0o700)
        database_file = SQLITE_FILE if kind == "sqlite" else POSTGRES_FILE
        database_path = staging / database_file
        take_snapshot = _sqlite_snapshot if kind == "sqlite" else _pg_snapshot
        snapshot = take_snapshot(settings, database_path)
        os.chmod(database_path, 0o600)
        database_sha, database_size = _sha256(database_path)

        files, problems = _copy_uploads(settings, snapshot, staging / UPLOADS)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": now.isoformat(),
            "database": {
                "kind": kind,
                "file": database_file,
                "sha256": database_sha,
                "size": database_size,
                "source": _safe_url(settings),
                **({"schema": snapshot.schema} if snapshot.schema else {}),
                **({"extensions": snapshot.extensions} if kind == "postgresql" else {}),
            },
            "schema_revision": snapshot.revision,
            "row_counts": snapshot.row_counts,
            "uploads": files,
            "upload_problems": problems,
        }
        manifest_path = staging / MANIFEST
        descriptor = os.open(manifest_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, ensure_ascii=False, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        for folder in (staging / UPLOADS, staging):
            if folder.is_dir():
                _fsync_dir(folder)
        final = directory / _backup_name(directory, now)
        os.rename(staging, final)
        _fsync_dir(directory)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise BackupError(f"writing the backup failed: {exc}") from exc
        raise
    return BackupResult(final, manifest, problems)


def _copy_uploads(
    settings: Settings, snapshot: _Snapshot, target: Path
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    root = Path(settings.upload_dir).resolve()
    files: dict[str, dict[str, Any]] = {}
    problems: list[dict[str, Any]] = []
    for attachment_id, proposal_id, storage_name, sha256, size in snapshot.attachments:
        relative = f"{proposal_id}/{storage_name}"
        if not STORAGE_NAME.fullmatch(storage_name):
            problems.append(
                {"attachment_id": attachment_id, "path": relative, "reason": "bad name"}
            )
            continue
        try:
            copied_sha, copied_size = _copy(root / relative, target / relative)
        except FileNotFoundError:
            problems.append({"attachment_id": attachment_id, "path": relative, "reason": "missing"})
            continue
        except OSError as exc:
            reason = f"unreadable ({exc.strerror or exc})"
            problems.append({"attachment_id": attachment_id, "path": relative, "reason": reason})
            continue
        files[relative] = {
            "sha256": copied_sha,
            "size": copied_size,
            "attachment_id": attachment_id,
        }
        if (copied_sha, copied_size) != (sha256, size):
            problems.append(
                {
                    "attachment_id": attachment_id,
                    "path": relative,
                    "reason": "differs from the attachment row's checksum",
                }
            )
    # A file deleted after the snapshot (its row deleted with it) is no loss.
    missing = [p["attachment_id"] for p in problems if p["reason"] == "missing"]
    live = _live_attachment_ids(settings, missing)
    for problem in problems:
        if problem["reason"] == "missing" and problem["attachment_id"] not in live:
            problem["reason"] = DELETED_AFTER_SNAPSHOT
    if target.is_dir():
        for folder in target.iterdir():
            _fsync_dir(folder)
    return files, problems


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
            sha, size = _sha256(path)
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


# -- restore ---------------------------------------------------------------------------------


def _data_in(query: Callable[[str], list], tables: Iterable[str], schema: str = "") -> list[str]:
    """'table: n rows' for every table holding rows the migrations did not put there."""
    prefix = f"{_quote(schema)}." if schema else ""
    found = []
    for table in sorted(tables):
        if table.startswith(DATABASE_ONLY_TABLE_PREFIX) or table in MIGRATION_FILLED:
            continue
        count = int(query(f"SELECT COUNT(*) FROM {prefix}{_quote(table)}")[0][0])
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

            return _read_snapshot(query, [r[0] for r in query(sql)]).row_counts
    finally:
        engine.dispose()


def _restore_sqlite(settings: Settings, backup: Path, manifest: dict[str, Any]) -> None:
    target = _sqlite_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.restore-{secrets.token_hex(4)}")
    try:
        _copy(backup / manifest["database"]["file"], temporary)
        # A write-ahead log left by the old database would be replayed onto the new one.
        for suffix in ("-wal", "-shm", "-journal"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        os.replace(temporary, target)
        _fsync_dir(target.parent)
    finally:
        temporary.unlink(missing_ok=True)


def _restore_postgres(
    settings: Settings, backup: Path, manifest: dict[str, Any], *, others: list[str], force: bool
) -> None:
    """`others`: what else the target holds (the upload directory), for the refusal."""
    pg_restore = _tool("pg_restore")
    schema = manifest["database"].get("schema") or "public"
    uri, env = _libpq(settings)
    engine = create_engine(settings.sqlalchemy_url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            contents = _pg_contents(connection, schema) + others
            if contents and not force:
                raise _not_empty(contents)
            # pg_restore recreates the schema (and the extensions it holds) itself.
            connection.execute(text(f"DROP SCHEMA IF EXISTS {_quote(schema)} CASCADE"))
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
            _run(command, env, "pg_restore")
        except BackupError as exc:
            with engine.begin() as connection:
                connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {_quote(schema)}"))
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
            sha, _size = _copy(_inside(backup, f"{UPLOADS}/{name}"), _inside(staging, name))
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
        _fsync_dir(root)
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
            contents = _sqlite_contents(_sqlite_path(settings)) + upload_contents
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


# -- the command line ------------------------------------------------------------------------


def _head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    from app.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def backup_command(settings: Settings, directory: Path, *, out=print, err=None) -> int:
    """`python -m app backup DIR`: prints where the backup went; returns the exit code."""
    err = err or _stderr
    try:
        result = create_backup(settings, directory)
    except BackupError as exc:
        err(f"error: {exc}")
        return int(exc.code)
    counts = result.manifest["row_counts"]
    out(
        f"backup written: {result.path} ({result.manifest['database']['kind']}, revision "
        f"{result.manifest['schema_revision']}, {counts.get('proposal', 0)} proposals, "
        f"{len(result.manifest['uploads'])} files)"
    )
    shown = 20
    for problem in result.problems[:shown]:
        err(
            f"warning: attachment {problem['attachment_id']} ({problem['path']}): "
            f"{problem['reason']}"
        )
    if len(result.problems) > shown:
        err(f"warning: … and {len(result.problems) - shown} more (upload_problems in the manifest)")
    if result.exit_code != ExitCode.OK:
        lost = [p for p in result.problems if p["reason"] != DELETED_AFTER_SNAPSHOT]
        err(
            f"error: files of {len(lost)} attachment rows are missing or damaged in "
            f"{Path(settings.upload_dir).resolve()} (is UPLOAD_DIR right?); the backup keeps "
            "everything else"
        )
    return int(result.exit_code)


def restore_command(settings: Settings, backup: Path, *, force: bool, out=print, err=None) -> int:
    """`python -m app restore DIR/<backup> [--force]`; returns the exit code."""
    err = err or _stderr
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
    head = _head_revision()
    if revision != head:
        out(
            f"note: the backup is at revision {revision}, this version's is {head}: "
            "run `python -m app migrate` before starting the service"
        )
    return int(ExitCode.OK)


def _stderr(message: str) -> None:
    import sys

    print(message, file=sys.stderr)
