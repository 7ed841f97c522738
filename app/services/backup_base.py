"""What backup.py and restore.py share: the backup format's names, the exit codes and the
error, and the database and file helpers (docs/backup in the README)."""

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from urllib.parse import quote, urlencode

from sqlalchemy.engine import URL, make_url

from app.config import Settings

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
class Snapshot:
    revision: str | None
    row_counts: dict[str, int]
    # (id, proposal_id, storage_name, sha256, size) of every attachment row
    attachments: list[tuple[int, int, str, str, int]]
    schema: str | None = None
    extensions: list[str] = field(default_factory=list)


# -- small helpers ---------------------------------------------------------------------------


def database_kind(settings: Settings) -> str:
    return "sqlite" if settings.is_sqlite else "postgresql"


def sqlite_path(settings: Settings) -> Path:
    database = make_url(settings.sqlalchemy_url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"DATABASE_URL names no SQLite file: {settings.database_url}")
    return Path(database).resolve()


def safe_url(settings: Settings) -> str:
    return make_url(settings.sqlalchemy_url).render_as_string(hide_password=True)


def libpq_args(settings: Settings) -> tuple[str, dict[str, str]]:
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


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client (the server's major version "
            "or newer), e.g. apt-get install postgresql-client"
        )
    return path


def run_tool(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"{what} could not run: {exc}") from exc
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(f"{what} failed (exit {result.returncode}): {detail}")


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def copy_file(source: Path, target: Path) -> tuple[str, int]:
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


def fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    from app.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def to_stderr(message: str) -> None:
    import sys

    print(message, file=sys.stderr)
