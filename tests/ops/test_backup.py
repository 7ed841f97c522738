"""Backup and restore (`python -m app backup` / `restore`, app/services/backup.py), on the
database the suite runs on.

The main test backs up while a writer thread keeps creating proposals and uploading files
through a live server, restores into a fresh database (a new SQLite file, or a new
PostgreSQL database created and dropped here) and a fresh upload directory, and checks
the result against the manifest, the source and the bytes the writer sent. A second backup
taken once the writer has stopped must restore to exactly the source, table by table, row
by row and file by file. The other tests walk through every refusal and its exit code.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from app.config import BASE_DIR, Settings
from app.main import create_app
from app.services import backup as backup_service
from app.services.backup import (
    DELETED_AFTER_SNAPSHOT,
    MANIFEST,
    PARTIAL_PREFIX,
    UPLOADS,
    ExitCode,
    backup_command,
    create_backup,
)
from app.services.restore import restore_command
from app.services.search import DATABASE_ONLY_TABLE_PREFIX
from tests.conftest import SECRET_KEY, bearer_token
from tests.live import live_server

PROPOSAL = {
    "summary": "窓口の受付を予約制にする",
    "current_situation": "窓口が混雑している",
    "proposal_text": "オンライン予約を導入する",
    "expected_effect": "待ち時間の短縮",
}
# Rows the writer's requests change after they were created (everything else only grows):
# a proposal's version and timestamps move with each upload, a token's last_seen_at with
# each request.
# Tables whose rows later requests change in place (proposal_term_count: a word's count
# of proposals grows with each new proposal that has it).
MUTABLE = {"proposal", "auth_session", "proposal_term_count"}


# -- targets -----------------------------------------------------------------------------------


@dataclass
class Target:
    """Where a backup is restored to: a database and an upload directory of its own."""

    database_url: str
    upload_dir: Path

    def settings(self) -> Settings:
        return Settings(
            _env_file=None,
            environment="test",
            database_url=self.database_url,
            secret_key=SECRET_KEY,
            upload_dir=self.upload_dir,
        )

    def engine(self) -> Engine:
        return create_engine(self.settings().sqlalchemy_url, poolclass=NullPool)


@pytest.fixture
def source(settings: Settings, db_engine: Engine, tmp_path: Path) -> Settings:
    """The test database with an upload directory of this test's own."""
    return settings.model_copy(update={"upload_dir": tmp_path / "uploads"})


@pytest.fixture
def target(settings: Settings, tmp_path: Path) -> Iterator[Target]:
    """An empty restore target: a new SQLite file, or a new PostgreSQL database."""
    uploads = tmp_path / "restored-uploads"
    if settings.is_sqlite:
        yield Target(f"sqlite:///{tmp_path / 'restored' / 'app.db'}", uploads)
        return
    url = make_url(settings.database_url)
    name = f"{url.database}_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(settings.sqlalchemy_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield Target(url.set(database=name).render_as_string(hide_password=False), uploads)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_app(*args: str, database_url: str, upload_dir: Path) -> subprocess.CompletedProcess:
    """`python -m app …` as cron would run it, against the given database."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "UPLOAD_DIR": str(upload_dir),
        "SECRET_KEY": SECRET_KEY,
        "ENVIRONMENT": "test",
        "DEMO": "false",
    }
    command = [sys.executable, "-m", "app", *args]
    return subprocess.run(
        command, cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120
    )


def backup_with_cli(source: Settings, directory: Path) -> Path:
    before = set(directory.iterdir()) if directory.exists() else set()
    result = run_app(
        "backup", str(directory), database_url=source.database_url, upload_dir=source.upload_dir
    )
    assert result.returncode == 0, result.stderr
    (made,) = set(directory.iterdir()) - before
    assert not made.name.startswith("."), made
    assert str(made) in result.stdout
    return made


def restore_with_cli(backup: Path, target: Target, *flags: str) -> subprocess.CompletedProcess:
    return run_app(
        "restore",
        str(backup),
        *flags,
        database_url=target.database_url,
        upload_dir=target.upload_dir,
    )


# -- the writer ------------------------------------------------------------------------------


class Writer(threading.Thread):
    """Creates proposals and uploads one or two text files to each, over HTTP, until
    stopped; remembers the bytes sent for every attachment id."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(daemon=True)
        self.url, self.token = url, token
        self.halt = threading.Event()
        self.proposals: list[int] = []
        self.sent: dict[int, bytes] = {}
        self.errors: list[str] = []

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=30) as http:
            n = 0
            while not self.halt.is_set():
                n += 1
                try:
                    self._one(http, n)
                except Exception as exc:  # reported by the test
                    self.errors.append(repr(exc))
                    return

    def _one(self, http: httpx.Client, n: int) -> None:
        created = http.post(
            "/api/v1/proposals", json={"title": f"バックアップ中の提案{n}", **PROPOSAL}
        )
        if created.status_code != 201:
            self.errors.append(f"create: {created.status_code} {created.text}")
            return
        proposal_id = created.json()["id"]
        for k in range(1 + n % 2):
            line = f"提案{n} 添付{k}: 窓口予約の検討メモ {uuid.uuid4().hex}\n".encode()
            data = line * (1 + (n * 37 + k * 101) % 400)
            response = http.post(
                f"/api/v1/proposals/{proposal_id}/attachments",
                files={"file": (f"メモ{n}-{k}.txt", data, "text/plain")},
            )
            if response.status_code != 201:
                self.errors.append(f"upload: {response.status_code} {response.text}")
                return
            self.sent[response.json()["id"]] = data
        self.proposals.append(proposal_id)

    def wait_for(self, proposals: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.proposals) < proposals:
            assert not self.errors, self.errors
            assert time.monotonic() < deadline, f"the writer made {len(self.proposals)} proposals"
            time.sleep(0.05)


# -- reading databases -----------------------------------------------------------------------


def tables(engine: Engine) -> dict[str, list[tuple]]:
    """Every table's rows, in primary-key order (search tables, derived, left out)."""
    result = {}
    with engine.connect() as connection:
        inspector = inspect(connection)
        for name in sorted(inspector.get_table_names()):
            if name.startswith(DATABASE_ONLY_TABLE_PREFIX):
                continue
            columns = ", ".join(f'"{c["name"]}"' for c in inspector.get_columns(name))
            key = inspector.get_pk_constraint(name)["constrained_columns"]
            order = ", ".join(f'"{c}"' for c in key) or "1"
            rows = connection.execute(text(f'SELECT {columns} FROM "{name}" ORDER BY {order}'))
            result[name] = [tuple(map(hashable, row)) for row in rows]
    return result


def hashable(value):
    """JSON columns come back as lists and dicts on PostgreSQL."""
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def schema_of(engine: Engine) -> list[tuple]:
    """What a restore must bring back besides the rows: tables, columns, indexes,
    constraints, triggers, sequences."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            query = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
            return [tuple(r) for r in connection.execute(text(query))]
        queries = [
            "SELECT table_name, column_name, data_type, is_nullable, column_default,"
            " is_generated, generation_expression FROM information_schema.columns"
            " WHERE table_schema = current_schema() ORDER BY table_name, column_name",
            "SELECT tablename, indexname, indexdef FROM pg_indexes"
            " WHERE schemaname = current_schema() ORDER BY indexname",
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE connamespace = current_schema()::regnamespace"
            " ORDER BY conname",
            "SELECT sequencename, last_value FROM pg_sequences"
            " WHERE schemaname = current_schema() ORDER BY sequencename",
            "SELECT extname FROM pg_extension ORDER BY extname",
        ]
        return [tuple(r) for q in queries for r in connection.execute(text(q))]


def files_under(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not p.relative_to(root).as_posix().startswith(".")
    }


def attachment_paths(rows: list[tuple], columns: list[str]) -> dict[int, str]:
    at = {name: columns.index(name) for name in ("id", "proposal_id", "storage_name")}
    return {r[at["id"]]: f"{r[at['proposal_id']]}/{r[at['storage_name']]}" for r in rows}


def column_names(engine: Engine, table: str) -> list[str]:
    with engine.connect() as connection:
        return [c["name"] for c in inspect(connection).get_columns(table)]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- the tests -------------------------------------------------------------------------------


def test_backup_while_writing_restores_exactly(
    source: Settings, db_engine: Engine, make_user, target: Target, tmp_path: Path
) -> None:
    author = make_user()
    token = bearer_token(db_engine, source, author)
    backups = tmp_path / "backups"

    # 1. A backup taken while the writer keeps creating proposals and uploading files.
    with live_server(source) as server:
        writer = Writer(server.url, token)
        writer.start()
        try:
            writer.wait_for(proposals=5)
            during = backup_with_cli(source, backups)
            made_by_then = len(writer.proposals)
            writer.wait_for(proposals=made_by_then + 5)
        finally:
            writer.halt.set()
            writer.join(timeout=30)
    assert not writer.errors, writer.errors

    manifest = json.loads((during / MANIFEST).read_text("utf-8"))
    kind = "sqlite" if source.is_sqlite else "postgresql"
    assert manifest["database"]["kind"] == kind
    assert manifest["upload_problems"] == []
    source_rows = tables(db_engine)
    assert manifest["schema_revision"] == source_rows["alembic_version"][0][0]
    # Taken in the middle: some of the writer's proposals are in it, later ones are not.
    assert 5 <= manifest["row_counts"]["proposal"] < len(source_rows["proposal"])

    restored = restore_with_cli(during, target)
    assert restored.returncode == 0, restored.stderr
    target_engine = target.engine()
    try:
        restored_rows = tables(target_engine)
        assert {t: len(rows) for t, rows in restored_rows.items()} == manifest["row_counts"]
        # Every restored row is the source's row as it was: rows only ever added, except
        # the proposals and tokens the later requests touched.
        for name, rows in restored_rows.items():
            if name in MUTABLE or name == "alembic_version":
                continue
            assert set(rows) <= set(source_rows[name]), name
        # The snapshot is consistent: each word's count is the restored proposals having it.
        terms = column_names(target_engine, "proposal_term").index("term")
        having: dict[str, int] = {}
        for row in restored_rows["proposal_term"]:
            having[row[terms]] = having.get(row[terms], 0) + 1
        assert {r[0]: r[1] for r in restored_rows["proposal_term_count"] if r[1]} == having
        columns = column_names(target_engine, "proposal")
        key, version = columns.index("id"), columns.index("version")
        later = {row[key]: row[version] for row in source_rows["proposal"]}
        for row in restored_rows["proposal"]:
            assert row[version] <= later[row[key]]

        # Every attachment row has its file, byte for byte what the writer sent, and
        # what the manifest says; the upload directory holds nothing else.
        attachment_columns = column_names(target_engine, "attachment")
        paths = attachment_paths(restored_rows["attachment"], attachment_columns)
        restored_files = files_under(target.upload_dir)
        assert set(restored_files) == set(paths.values()) == set(manifest["uploads"])
        assert len(paths) >= 5
        for attachment_id, path in paths.items():
            data = restored_files[path]
            assert data == writer.sent[attachment_id]
            assert manifest["uploads"][path]["sha256"] == sha256(data)
            assert manifest["uploads"][path]["size"] == len(data)
        # One snapshot: each proposal's attach events and attachment rows agree.
        with target_engine.connect() as connection:
            disagreeing = connection.execute(
                text(
                    "SELECT p.id FROM proposal p WHERE"
                    " (SELECT COUNT(*) FROM attachment a WHERE a.proposal_id = p.id) <>"
                    " (SELECT COUNT(*) FROM proposal_event e"
                    "  WHERE e.proposal_id = p.id AND e.action = 'attach')"
                )
            ).all()
        assert disagreeing == []
    finally:
        target_engine.dispose()

    # 2. Once the writer has stopped, a backup restores to exactly the source.
    quiet = backup_with_cli(source, backups)
    refused = restore_with_cli(quiet, target)
    assert refused.returncode == ExitCode.NOT_EMPTY, refused.stderr
    assert "--force" in refused.stderr
    forced = restore_with_cli(quiet, target, "--force")
    assert forced.returncode == 0, forced.stderr

    target_engine = target.engine()
    try:
        assert tables(target_engine) == tables(db_engine)
        assert schema_of(target_engine) == schema_of(db_engine)
    finally:
        target_engine.dispose()
    manifest = json.loads((quiet / MANIFEST).read_text("utf-8"))
    paths = attachment_paths(tables(db_engine)["attachment"], column_names(db_engine, "attachment"))
    source_files = {path: (source.upload_dir / path).read_bytes() for path in paths.values()}
    assert files_under(target.upload_dir) == source_files
    assert {p: e["sha256"] for p, e in manifest["uploads"].items()} == {
        p: sha256(data) for p, data in source_files.items()
    }


@pytest.fixture
def api(source: Settings, db_engine: Engine, make_user) -> Iterator[TestClient]:
    """The API, in-process, as one author."""
    author = make_user()
    with TestClient(create_app(source, engine=db_engine)) as client:
        client.headers["Authorization"] = f"Bearer {bearer_token(db_engine, source, author)}"
        yield client


def proposals_with_a_file(api: TestClient, count: int) -> list[tuple[int, int]]:
    """(proposal id, attachment id) of `count` new drafts with one text file each."""
    made = []
    for n in range(count):
        created = api.post("/api/v1/proposals", json={"title": f"提案{n}", **PROPOSAL})
        assert created.status_code == 201, created.text
        upload = api.post(
            f"/api/v1/proposals/{created.json()['id']}/attachments",
            files={"file": (f"メモ{n}.txt", f"添付{n}\n".encode() * 100, "text/plain")},
        )
        assert upload.status_code == 201, upload.text
        made.append((created.json()["id"], upload.json()["id"]))
    return made


@pytest.fixture
def small_backup(source: Settings, api: TestClient, tmp_path: Path) -> Path:
    """A backup of two proposals with a file each, made in-process."""
    proposals_with_a_file(api, 2)
    return create_backup(source, tmp_path / "backups").path


class Output:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, line: str) -> None:
        self.lines.append(line)

    def __str__(self) -> str:
        return "\n".join(self.lines)


def restore(backup: Path, target: Target, *, force: bool = False) -> tuple[int, str]:
    out, err = Output(), Output()
    code = restore_command(target.settings(), backup, force=force, out=out, err=err)
    return code, f"{out}\n{err}"


def is_untouched(target: Target) -> bool:
    if files_under(target.upload_dir):
        return False
    if target.settings().is_sqlite:
        return not Path(make_url(target.database_url).database).exists()
    engine = target.engine()
    try:
        return tables(engine) == {}
    finally:
        engine.dispose()


def test_a_damaged_or_foreign_backup_is_refused_before_anything_changes(
    small_backup: Path, target: Target, tmp_path: Path
) -> None:
    def copy(name: str) -> Path:
        return Path(shutil.copytree(small_backup, tmp_path / name))

    code, message = restore(tmp_path / "no-such-backup", target)
    assert code == ExitCode.NOT_A_BACKUP and "no such backup folder" in message

    unfinished = copy(f"{PARTIAL_PREFIX}teian-x")
    code, message = restore(unfinished, target)
    assert code == ExitCode.NOT_A_BACKUP and "unfinished" in message

    no_manifest = copy("no-manifest")
    (no_manifest / MANIFEST).unlink()
    code, message = restore(no_manifest, target)
    assert code == ExitCode.NOT_A_BACKUP and MANIFEST in message

    foreign = copy("foreign")
    manifest = json.loads((foreign / MANIFEST).read_text("utf-8"))
    other = "postgresql" if manifest["database"]["kind"] == "sqlite" else "sqlite"
    manifest["database"]["kind"] = other
    (foreign / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    code, message = restore(foreign, target)
    assert code == ExitCode.WRONG_KIND and other in message

    damaged_file = copy("damaged-file")
    victim = next(p for p in (damaged_file / UPLOADS).rglob("*") if p.is_file())
    data = bytearray(victim.read_bytes())
    data[10] ^= 0x01
    victim.write_bytes(bytes(data))
    code, message = restore(damaged_file, target, force=True)
    assert code == ExitCode.CORRUPT and victim.name in message and "checksum" in message

    missing_file = copy("missing-file")
    victim = next(p for p in (missing_file / UPLOADS).rglob("*") if p.is_file())
    victim.unlink()
    code, message = restore(missing_file, target)
    assert code == ExitCode.CORRUPT and victim.name in message and "missing" in message

    damaged_database = copy("damaged-database")
    manifest = json.loads((damaged_database / MANIFEST).read_text("utf-8"))
    with (damaged_database / manifest["database"]["file"]).open("ab") as handle:
        handle.write(b"\0")
    code, message = restore(damaged_database, target, force=True)
    assert code == ExitCode.CORRUPT and manifest["database"]["file"] in message

    assert is_untouched(target)
    code, message = restore(small_backup, target)
    assert code == ExitCode.OK, message


def test_a_target_with_data_or_files_is_refused_without_force(
    small_backup: Path, target: Target
) -> None:
    target.upload_dir.mkdir(parents=True)
    (target.upload_dir / "7").mkdir()
    (target.upload_dir / "7" / "left-over").write_bytes(b"x")
    code, message = restore(small_backup, target)
    assert code == ExitCode.NOT_EMPTY and "upload directory" in message
    assert (target.upload_dir / "7" / "left-over").exists()

    shutil.rmtree(target.upload_dir / "7")
    code, message = restore(small_backup, target)
    assert code == ExitCode.OK, message

    code, message = restore(small_backup, target)
    assert code == ExitCode.NOT_EMPTY and "proposal: 2 rows" in message
    code, message = restore(small_backup, target, force=True)
    assert code == ExitCode.OK, message


def test_files_missing_from_the_upload_directory_are_reported(
    source: Settings, db_engine: Engine, api: TestClient, tmp_path: Path, monkeypatch
) -> None:
    """A file gone from UPLOAD_DIR is a failure (exit 7, the backup keeps the rest); a file
    whose attachment was deleted between the snapshot and the copy is no loss."""
    (lost_proposal, lost), (other_proposal, deleted), _kept = proposals_with_a_file(api, 3)
    with db_engine.connect() as connection:
        storage = connection.execute(
            text("SELECT storage_name FROM attachment WHERE id = :id"), {"id": lost}
        ).scalar_one()
    (source.upload_dir / str(lost_proposal) / storage).unlink()

    def then_delete(take_snapshot):
        def taken(settings, target):
            snapshot = take_snapshot(settings, target)
            path = f"/api/v1/proposals/{other_proposal}/attachments/{deleted}"
            assert api.delete(path).status_code == 204
            return snapshot

        return taken

    for name in ("sqlite_snapshot", "pg_snapshot"):
        monkeypatch.setattr(backup_service, name, then_delete(getattr(backup_service, name)))
    out, err = Output(), Output()
    code = backup_command(source, tmp_path / "backups", out=out, err=err)

    assert code == ExitCode.UPLOADS_MISSING, f"{out}\n{err}"
    assert "files of 1 attachment rows are missing" in str(err)
    (made,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((made / MANIFEST).read_text("utf-8"))
    assert {p["attachment_id"]: p["reason"] for p in manifest["upload_problems"]} == {
        lost: "missing",
        deleted: DELETED_AFTER_SNAPSHOT,
    }
    assert len(manifest["uploads"]) == 1
    assert manifest["row_counts"]["attachment"] == 3
