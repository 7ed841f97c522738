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

import json
import os
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.config import Settings
from app.services.attachments import STORAGE_NAME
from app.services.backup_base import (
    DELETED_AFTER_SNAPSHOT,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    NAME_PREFIX,
    PARTIAL_PREFIX,
    POSTGRES_FILE,
    SQLITE_FILE,
    UPLOADS,
    BackupError,
    ExitCode,
    Snapshot,
    copy_file,
    database_kind,
    fsync_dir,
    safe_url,
    sha256_of,
    to_stderr,
)
from app.services.backup_snapshot import live_attachment_ids, pg_snapshot, sqlite_snapshot


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
        take_snapshot = sqlite_snapshot if kind == "sqlite" else pg_snapshot
        snapshot = take_snapshot(settings, database_path)
        os.chmod(database_path, 0o600)
        database_sha, database_size = sha256_of(database_path)

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
                "source": safe_url(settings),
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
                fsync_dir(folder)
        final = directory / _backup_name(directory, now)
        os.rename(staging, final)
        fsync_dir(directory)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise BackupError(f"writing the backup failed: {exc}") from exc
        raise
    return BackupResult(final, manifest, problems)


def _copy_uploads(
    settings: Settings, snapshot: Snapshot, target: Path
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
            copied_sha, copied_size = copy_file(root / relative, target / relative)
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
    live = live_attachment_ids(settings, missing)
    for problem in problems:
        if problem["reason"] == "missing" and problem["attachment_id"] not in live:
            problem["reason"] = DELETED_AFTER_SNAPSHOT
    if target.is_dir():
        for folder in target.iterdir():
            fsync_dir(folder)
    return files, problems


# -- the command line ------------------------------------------------------------------------


def backup_command(settings: Settings, directory: Path, *, out=print, err=None) -> int:
    """`python -m app backup DIR`: prints where the backup went; returns the exit code."""
    err = err or to_stderr
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
