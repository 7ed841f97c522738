"""Migrations on a database that holds data (issue 12, item 4).

A fresh database (a new SQLite file, or a new PostgreSQL schema) starts at the first
revision; it is upgraded one revision at a time, and after each the rows that revision
makes possible are written with plain SQL, as the service of that time would have left
them: people and departments, proposals in every status with their events, attachments,
co-authors, reviews, decisions, budget records, milestones, progress, sessions. After every
step nothing written before may be lost or changed (every row and every column that still
exists keeps its value), apart from what a migration removes by design; at head the values
that matter are checked one by one and the app's models read every row. Then the database
goes down to the first revision one step at a time (what survives each step keeps its
values) and up again, is filled again, and must end exactly as the first time.
"""

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.engine import Connection, make_url
from sqlmodel import Session, SQLModel
from sqlmodel import select as orm_select
from sqlmodel.main import default_registry

import app.models  # noqa: F401  (every table on SQLModel.metadata)
from app.config import BASE_DIR, Settings
from app.db import make_engine
from app.migrate import alembic_config
from app.models.enums import Status
from app.services.search import DATABASE_ONLY_TABLE_PREFIX
from tests.conftest import SECRET_KEY

FY = 2026  # 令和8年度
T0 = datetime(2026, 4, 6, 0, 30, tzinfo=UTC)  # 09:30 JST on the first Monday of the year


def at(days: float, hours: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


# What a migration removes on purpose: 0008 replaces the login_failure log by
# login_throttle; downgrading 0002 unloads the plan's initiatives.
DROPPED_ON_UPGRADE = {"0008": {"login_failure"}}
EMPTIED_ON_DOWNGRADE = {"0002": {"initiative"}}


# -- the database --------------------------------------------------------------------------


@pytest.fixture
def database_url(settings: Settings, tmp_path: Path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a new PostgreSQL schema (named first on
    the search path in the URL, so that the app's own commands find it too)."""
    if settings.is_sqlite:
        yield f"sqlite:///{tmp_path}/d.db"
        return
    schema = f"migration_data_{uuid.uuid4().hex[:8]}"
    admin = create_engine(settings.sqlalchemy_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(settings.database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def connection(database_url: str) -> Iterator[Connection]:
    engine = make_engine(Settings(_env_file=None, database_url=database_url))
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def revisions() -> list[str]:
    """Every revision, first to head (the history is linear)."""
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def migrate(connection: Connection, revision: str, *, down: bool = False) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Alembic rebuilds SQLite tables (batch mode): DROP TABLE with foreign keys on
        # deletes the rows that reference it, or fails. migrations/env.py turns them off
        # for `python -m app migrate`; on this passed-in connection the test does the
        # same, outside a transaction, and checks the references afterwards.
        connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    step = command.downgrade if down else command.upgrade
    step(alembic_config(connection), revision)
    connection.commit()
    if sqlite:
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def stored(connection: Connection, value: Any) -> Any:
    """A value as the app's column types store it: SQLite keeps UTC datetimes without an
    offset and dates as ISO text; JSON goes in as text on both."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if connection.dialect.name != "sqlite":
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def insert(connection: Connection, table: str, columns: str, *rows: tuple) -> None:
    """Plain INSERTs; each row a tuple in the order of `columns` (names, space-separated)."""
    names = columns.split()
    quoted = ", ".join(f'"{n}"' for n in names)
    statement = text(
        f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join(":" + n for n in names)})'
    )
    for row in rows:
        values = dict(zip(names, row, strict=True))
        connection.execute(statement, {n: stored(connection, v) for n, v in values.items()})
    serial = "id" in names and isinstance(rows[0][names.index("id")], int)
    if connection.dialect.name == "postgresql" and serial:
        # Explicit ids, as a copy from the old ledger would have them: move the sequence on.
        sequence = f"pg_get_serial_sequence('\"{table}\"', 'id')"
        connection.execute(text(f'SELECT setval({sequence}, MAX(id)) FROM "{table}"'))


def update(connection: Connection, table: str, key: int, **values: Any) -> None:
    assignments = ", ".join(f'"{c}" = :{c}' for c in values)
    connection.execute(
        text(f'UPDATE "{table}" SET {assignments} WHERE id = :key'),
        {"key": key, **{c: stored(connection, v) for c, v in values.items()}},
    )


# -- the data, revision by revision -----------------------------------------------------------
# Rows read best as tables: the formatter leaves this section as written.
# fmt: off

DEPARTMENTS = [(1, "D01", "総務課", True), (2, "D02", "住民税務課", True)]
DEPARTMENTS += [(3, "D03", "企画財政課", True), (4, "D04", "建設課", False)]
# id, e-mail, name, department, employment type, active, roles
USERS = [
    (1, "admin@nagi-town.example", "奈義 太郎", 1, "regular", True, "staff admin"),
    (2, "secretariat@nagi-town.example", "総務 花子", 1, "regular", True, "staff secretariat"),
    (3, "staff@nagi-town.example", "山田 一郎", 2, "regular", True, "staff"),
    (4, "parttime@nagi-town.example", "佐藤 美咲", 2, "fiscal_year_appointed", True, "staff"),
    (5, "reviewer@nagi-town.example", "審査 進", 3, "regular", True, "staff reviewer"),
    (6, "finance@nagi-town.example", "財政 健", 3, "regular", True, "staff finance reviewer"),
    (7, "retired@nagi-town.example", "退職 次郎", 4, "reappointed", False, "staff"),
]
# Proposal id → the status it ends in. Each is written at 0003 in the furthest status that
# revision knew (in_review at most) and moved on by the later ones.
FINAL_STATUS = dict(enumerate(Status, start=1))
assert list(FINAL_STATUS.values())[:5] == [
    "draft",
    "submitted",
    "returned",
    "not_accepted",
    "in_review",
]
EARLY = {Status.draft, Status.submitted, Status.returned, Status.not_accepted, Status.withdrawn}
ACCEPTED = [p for p, s in FINAL_STATUS.items() if s not in EARLY]  # R8-0001 … R8-0007
DECIDED = {6: "adopted", 7: "deferred", 8: "rejected", 9: "adopted", 10: "partially_adopted"}
DECIDED[11] = "adopted"
CRITERIA = ["effectiveness", "feasibility", "economy", "originality", "applicability", "effort"]
WEIGHTS = [30, 20, 15, 15, 10, 10]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def scores_of(p: int) -> dict[str, int]:
    return {code: 1 + (p + i) % 5 for i, code in enumerate(CRITERIA)}


def total_of(p: int) -> float:
    scores = scores_of(p)
    return round(sum(scores[c] / 5 * w for c, w in zip(CRITERIA, WEIGHTS, strict=True)), 1)


class Events:
    """Writes proposal events with ids in the order they happen."""

    COLUMNS = "id proposal_id actor_id action from_status to_status reason changes created_at"

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        last = connection.execute(text("SELECT MAX(id) FROM proposal_event")).scalar()
        self.next = (last or 0) + 1

    def add(self, p: int, actor: int | None, action: str, when: datetime, **fields) -> None:
        row = (
            self.next, p, actor, action, fields.get("old"), fields.get("new"),
            fields.get("reason"), fields.get("changes", {}), when,
        )
        insert(self.connection, "proposal_event", self.COLUMNS, row)
        self.next += 1


def fill_0001(connection: Connection) -> None:
    insert(
        connection, "department", "id code name is_active version created_at updated_at",
        *((i, code, name, on, 1, at(-30), at(-30 if on else -2))
          for i, code, name, on in DEPARTMENTS),
    )
    insert(
        connection, "user",
        "id email name name_kana department_id position employment_type is_active"
        " password_hash version created_at updated_at",
        *(
            (i, email, name, "サトウ ミサキ" if i == 4 else None, department,
             "主査" if i == 3 else None, employment, active,
             f"$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ${i:043d}", 1 if active else 2,
             at(-30, i), at(-30, i))
            for i, email, name, department, employment, active, _roles in USERS
        ),
    )
    insert(
        connection, "user_role", "user_id role",
        *((i, role) for i, *_rest, roles in USERS for role in roles.split()),
    )
    insert(
        connection, "login_failure", "id email address created_at",
        (1, "staff@nagi-town.example", "10.0.0.5", at(-1)),
        (2, "nobody@nagi-town.example", "10.0.0.9", at(-1, 1)),
    )


def proposal_row(p: int) -> dict[str, Any]:
    final = FINAL_STATUS[p]
    author = 3 if p % 2 else 4
    submitted = final != Status.draft
    opinion = p in (5, 6, 9)
    number = f"R8-{ACCEPTED.index(p) + 1:04d}" if p in ACCEPTED else None
    return {
        "id": p, "number": number, "version": 3 if submitted else 1,
        "title": f"窓口予約システムの導入 その{p}",
        "summary": f"提案{p}: 窓口の受付を予約制にする",
        "current_situation": "窓口が混雑し、待ち時間が長い。\n特に月曜日。",
        "proposal_text": "オンライン予約を導入し、来庁前に番号を発行する。",
        "expected_effect": "待ち時間の短縮（１日２０分程度）",
        "kind": "policy" if p == 8 else "improvement",
        "category": ["efficiency", "satisfaction", "savings", "other"][p % 4],
        "already_implemented": p == 11,
        "initiative_id": None if p in (4, 8) else p % 12 + 1,
        "round_id": 2 if p in (5, 6) else 1,
        "author_id": author,
        "department_id": 2 if submitted else None,
        "estimated_cost_yen": None if p == 1 else 120_000 * p,
        "estimated_hours_saved_per_year_hours": 12.5 * p,
        "estimated_savings_yen_per_year": 50_000 * p,
        "supervisor_opinion": "業務改善効果が見込まれる。" if opinion else None,
        "supervisor_opinion_by_id": 1 if opinion else None,
        "supervisor_opinion_at": at(p, 2) if opinion else None,
        "status": (final if final in EARLY else Status.in_review).value,
        "fiscal_year": FY,
        "created_at": at(p), "updated_at": at(p, 3),
        "submitted_at": at(p, 1) if submitted else None,
        "accepted_at": at(p, 3) if number else None,
        "decided_at": None, "completed_at": None,
    }


def fill_0003(connection: Connection) -> None:
    insert(
        connection, "round",
        "id fiscal_year kind title description starts_on ends_on standing_fiscal_year created_at",
        (1, FY, "standing", "令和8年度 随時募集", "", None, None, FY, at(-7)),
        (2, FY, "theme", "窓口DX 課題提案", "窓口の待ち時間を減らす提案を募集します。",
         date(2026, 4, 1), date(2026, 6, 30), None, at(-6)),
    )
    insert(connection, "proposal_counter", "fiscal_year last_serial", (FY, len(ACCEPTED)))
    events = Events(connection)
    for p, final in FINAL_STATUS.items():
        row = proposal_row(p)
        insert(connection, "proposal", " ".join(row), tuple(row.values()))
        author = row["author_id"]
        events.add(p, author, "create", at(p), new="draft", changes={"title": row["title"]})
        if final != Status.draft:
            events.add(p, author, "submit", at(p, 1), old="draft", new="submitted")
        if final == Status.returned:
            events.add(p, 2, "return", at(p, 2), old="submitted", new="returned",
                       reason="効果の記載を具体的に。")
        if final == Status.not_accepted:
            events.add(p, 2, "not-accept", at(p, 2), old="submitted", new="not_accepted",
                       reason="苦情のみの内容のため。")
        if final == Status.withdrawn:
            events.add(p, author, "withdraw", at(p, 2), old="submitted", new="withdrawn",
                       reason="重複のため")
        if row["number"]:
            events.add(p, 2, "accept", at(p, 3), old="submitted", new="in_review",
                       changes={"number": row["number"]})
    insert(connection, "proposal_co_author", "proposal_id user_id", (6, 3), (9, 4))
    insert(
        connection, "attachment",
        "id proposal_id filename content_type size sha256 storage_name uploaded_by_id created_at",
        (1, 1, "現状の受付表.xlsx", XLSX, 10240, "a" * 64, f"{1:032x}", 3, at(1, 1)),
        (2, 3, "予約画面案.pdf", "application/pdf", 2048, "b" * 64, f"{2:032x}", 3, at(3, 1)),
    )


def fill_0004(connection: Connection) -> None:
    # Full-width letters, which the search folds on both databases.
    update(connection, "proposal", 1, title="ＲＰＡで窓口予約を自動化する")


def fill_0005(connection: Connection) -> None:
    codes = connection.execute(text("SELECT code FROM rubric_criterion ORDER BY position"))
    assert list(codes.scalars()) == CRITERIA
    events = Events(connection)
    assignments = "id proposal_id reviewer_id assigned_by_id assigned_at active recused_at"
    assignments += " recusal_reason"
    reviews = "id proposal_id reviewer_id rubric_version_id scores comment total created_at"
    reviews += " updated_at"
    for n, p in enumerate(ACCEPTED, start=1):
        insert(
            connection, "review_assignment", assignments, (n, p, 5, 2, at(p, 4), True, None, None)
        )
        events.add(p, 2, "assign-reviewers", at(p, 4), changes={"reviewer_ids": [5]})
        insert(connection, "review", reviews,
               (n, p, 5, 1, scores_of(p), f"提案{p}の講評", total_of(p), at(p, 6), at(p, 6)))
        events.add(p, 5, "review", at(p, 6))
        update(connection, "proposal", p, score=total_of(p), reviews_in=1, reviewers_assigned=1,
               needs_discussion=p == 8)
    recusal = (len(ACCEPTED) + 1, 7, 6, 2, at(7, 4), False, at(7, 5), "提案の検討に加わったため。")
    insert(connection, "review_assignment", assignments, recusal)
    events.add(7, 6, "recuse", at(7, 5))
    for p, outcome in DECIDED.items():
        status = "adopted" if outcome == "partially_adopted" else outcome
        adopted = status == "adopted"
        update(
            connection, "proposal", p, status=status, outcome=outcome,
            decision_reason=f"審査会の結論（提案{p}）",
            award={6: "excellent", 11: "grand"}.get(p),
            implementing_department_id=2 if adopted else None,
            target_hours_saved_per_year_hours=100.0 + p if adopted else None,
            target_savings_yen_per_year=400_000 + p if adopted else None,
            decided_by_id=2, decided_at=at(p, 8), version=4, updated_at=at(p, 8),
        )
        events.add(p, 2, "decide", at(p, 8), old="in_review", new=status,
                   reason=f"審査会の結論（提案{p}）")
    insert(
        connection, "notification", "id user_id proposal_id kind title body created_at read_at",
        *((n, 3 if p % 2 else 4, p, "decision", f"提案{p}の審査結果", f"結果: {outcome}",
           at(p, 8), at(p, 9) if p == 6 else None)
          for n, (p, outcome) in enumerate(DECIDED.items(), start=1)),
    )


# id, proposal, fiscal year, type, requested, approved, status, required
BUDGET = [
    (1, 6, FY, "supplementary", 600_000, None, "denied", True),
    (2, 6, FY + 1, "initial", 600_000, None, "requested", True),
    (3, 9, FY, "supplementary", 900_000, 900_000, "approved", True),
    (4, 10, FY, "existing", 1_000_000, 800_000, "reduced", True),
    (5, 11, FY, "existing", None, None, "not_required", False),
]
# 0007 copies each proposal's newest budget record's status onto it.
BUDGET_STATUS_AT_HEAD = {6: "requested", 9: "approved", 10: "reduced", 11: "not_required"}


def fill_0006(connection: Connection) -> None:
    events = Events(connection)
    columns = "id proposal_id required fiscal_year budget_type requested_yen approved_yen account"
    columns += " funding_source note status decided_by_id decided_at created_at updated_at"
    for n, p, year, type_, requested, approved, status, required in BUDGET:
        decided = status != "requested"
        insert(
            connection, "budget_record", columns,
            (n, p, required, year, type_, requested, approved,
             "総務費 総務管理費 一般管理費" if required else None,
             "grant" if p == 9 else "general", "来年度当初で再要求" if n == 1 else None,
             status, 6 if decided else None, at(20, n) if decided else None, at(15, n),
             at(20, n)),
        )
        events.add(p, 6, "budget", at(20, n), changes={"budget_record_id": n, "status": status})
        if status in ("approved", "reduced"):
            update(connection, "proposal", p, status="budgeted", version=5, updated_at=at(20, n))
            events.add(p, 6, "budget-approve", at(20, n), old="adopted", new="budgeted")


def fill_0007(connection: Connection) -> None:
    copied = connection.execute(text("SELECT id, budget_status FROM proposal")).all()
    assert {p: s for p, s in copied if s} == BUDGET_STATUS_AT_HEAD
    events = Events(connection)
    insert(
        connection, "milestone",
        "id proposal_id title due_date weight done_on created_by_id created_at updated_at",
        (1, 10, "仕様の確定", date(2026, 6, 30), 2, date(2026, 6, 25), 3, at(30), at(80)),
        (2, 10, "予約システムの導入", date(2026, 9, 30), 5, None, 3, at(30), at(30)),
        (3, 10, "職員研修", date(2026, 12, 25), 3, None, 3, at(30), at(30)),
        (4, 11, "試行", date(2026, 5, 31), 1, date(2026, 5, 29), 4, at(25), at(53)),
        (5, 11, "本格実施", date(2026, 7, 31), 1, date(2026, 7, 30), 4, at(25), at(115)),
    )
    insert(
        connection, "progress_update", "id proposal_id percent note author_id created_at",
        (1, 10, 20, "仕様を確定した。", 3, at(80)),
        (2, 11, 100, "本格実施に移行した。", 4, at(115)),
    )
    insert(
        connection, "reminder_sent", "id key proposal_id created_at",
        (1, "milestone-due:2:2026-09-23", 10, at(170)),
    )
    update(
        connection, "proposal", 10, status="in_progress", owner_id=3,
        planned_end_date=date(2027, 3, 31), started_at=at(30), progress_percent=20,
        open_due_date=date(2026, 9, 30), version=7, updated_at=at(80),
    )
    events.add(10, 3, "start", at(30), old="budgeted", new="in_progress")
    update(
        connection, "proposal", 11, status="completed", owner_id=4,
        planned_end_date=date(2026, 7, 31), started_at=at(25), completed_at=at(116),
        completion_report="予約制を全窓口で実施した。", actual_cost_yen=0,
        actual_hours_saved_per_year_hours=150.5, actual_savings_yen_per_year=602_000,
        effect_measured_on=date(2026, 7, 31), progress_percent=100, version=8,
        updated_at=at(116),
    )
    events.add(11, 4, "start", at(25), old="adopted", new="in_progress")
    events.add(11, 4, "complete", at(116), old="in_progress", new="completed")


def fill_0008(connection: Connection) -> None:
    insert(
        connection, "auth_session",
        "id key_hash kind user_id created_at last_seen_at expires_at address user_agent",
        (1, "c" * 64, "cookie", 3, at(116), at(116, 1), at(117), "10.0.0.5", "Mozilla/5.0"),
        (2, "d" * 64, "token", 2, at(116), at(116), at(116, 1), "10.0.0.7", "portal"),
    )
    insert(
        connection, "login_throttle", "email address attempts last_attempt_at blocked_until",
        ("staff@nagi-town.example", "10.0.0.5", 6, at(116), at(116, 0.01)),
    )
    # After the table rebuilds of 0005 and 0007 the search must still follow edits.
    update(connection, "proposal", 2, title="ＡＩ－ＯＣＲで申請書を読み取る")


def fill_0009(connection: Connection) -> None:
    insert(
        connection, "idempotency_record",
        "id principal key request_hash status_code headers body created_at",
        (1, "user:3", "create-proposal-7f1c", "e" * 64, 201,
         {"content-type": "application/json"}, b'{"id": 1}', at(116)),
    )


def fill_0010(connection: Connection) -> None:
    # A webhook and a delivery in the outbox, which 0013 opens to mail (channel "webhook").
    insert(
        connection, "webhook", "id url events secret active created_at created_by_id",
        (1, "https://portal.example/hooks", ["*"], "s" * 32, True, at(116), 1),
    )
    insert(
        connection, "webhook_delivery",
        "id webhook_id event payload attempts status_code error next_attempt_at delivered_at "
        "created_at",
        ("0b6c1f6e-3d2a-4c59-9a1e-5b7f8c9d0e1f", 1, "proposal.status_changed",
         {"event": "proposal.status_changed", "data": {"proposal_id": 5}}, 2, 503, "HTTP 503",
         at(116, 1), None, at(116)),
    )


# fmt: on


FILLS: dict[str, Callable[[Connection], None]] = {
    "0001": fill_0001,
    "0003": fill_0003,
    "0004": fill_0004,
    "0005": fill_0005,
    "0006": fill_0006,
    "0007": fill_0007,
    "0008": fill_0008,
    "0009": fill_0009,
    "0010": fill_0010,
}


# -- comparing ------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


Snapshot = dict[str, dict[tuple, dict[str, Any]]]


def snapshot(connection: Connection) -> Snapshot:
    """Every table (but the search index's) as {primary key: {column: value}}."""
    metadata = MetaData()
    metadata.reflect(
        connection, only=lambda name, _: not name.startswith(DATABASE_ONLY_TABLE_PREFIX)
    )
    result: Snapshot = {}
    for table in metadata.sorted_tables:
        if table.name == "alembic_version":
            continue
        key = [c.name for c in table.primary_key.columns]
        rows = {}
        for row in connection.execute(select(table)).mappings():
            values = {name: plain(value) for name, value in row.items()}
            rows[tuple(values[k] for k in key)] = values
        result[table.name] = rows
    return result


def check_kept(before: Snapshot, after: Snapshot, *, dropped=(), emptied=(), step: str) -> None:
    """Every row of `before` is in `after` with the same values in the columns both have,
    but for the tables a migration drops or empties on purpose."""
    for table, rows in before.items():
        if table not in after:
            assert table in dropped or not rows or step.startswith("down"), (step, table)
            continue
        if table in emptied:
            continue
        missing = set(rows) - set(after[table])
        assert not missing, (step, table, sorted(missing)[:5])
        for key, values in rows.items():
            now = after[table][key]
            changed = {c: (v, now[c]) for c, v in values.items() if c in now and now[c] != v}
            assert not changed, (step, table, key, changed)


def counts(data: Snapshot) -> dict[str, int]:
    return {table: len(rows) for table, rows in data.items()}


# -- at head ---------------------------------------------------------------------------------


def check_head(connection: Connection, data: Snapshot) -> None:
    expected = {
        "department": 4,
        "user": 7,
        "user_role": 12,
        "initiative": 12,
        "round": 2,
        "proposal_counter": 1,
        "proposal": 12,
        "proposal_co_author": 2,
        "attachment": 2,
        "proposal_event": 64,
        "rubric_version": 1,
        "rubric_criterion": 6,
        "review_assignment": 8,
        "review": 7,
        "notification": 6,
        "budget_record": 5,
        "milestone": 5,
        "progress_update": 2,
        "reminder_sent": 1,
        "auth_session": 2,
        "login_throttle": 1,
    }
    assert {t: n for t, n in counts(data).items() if t in expected} == expected
    assert "login_failure" not in data

    proposals = {key[0]: row for key, row in data["proposal"].items()}
    assert {p: row["status"] for p, row in proposals.items()} == {
        p: s.value for p, s in FINAL_STATUS.items()
    }
    assert {row["status"] for row in proposals.values()} == {s.value for s in Status}
    assert {p: row["number"] for p, row in proposals.items() if row["number"]} == {
        p: f"R8-{i + 1:04d}" for i, p in enumerate(ACCEPTED)
    }
    assert {p: row["budget_status"] for p, row in proposals.items() if row["budget_status"]} == (
        BUDGET_STATUS_AT_HEAD
    )
    assert {p: row["outcome"] for p, row in proposals.items() if row["outcome"]} == DECIDED
    assert proposals[11]["actual_savings_yen_per_year"] == 602_000
    assert proposals[11]["completed_at"] == at(116)
    assert proposals[10]["open_due_date"] == date(2026, 9, 30)
    assert proposals[4]["current_situation"] == "窓口が混雑し、待ち時間が長い。\n特に月曜日。"
    assert proposals[5]["score"] == data["review"][(1,)]["total"]
    assert data["review"][(1,)]["scores"] == json.dumps(scores_of(5), sort_keys=True)
    assert {k[0]: r["email"] for k, r in data["user"].items()} == {u[0]: u[1] for u in USERS}
    assert data["user"][(7,)]["is_active"] is False
    assert data["round"][(2,)]["ends_on"] == date(2026, 6, 30)
    ((_key, delivery),) = data["webhook_delivery"].items()
    assert (delivery["channel"], delivery["webhook_id"], delivery["attempts"]) == ("webhook", 1, 2)
    assert {row["notification_email"] for row in data["user"].values()} == {"immediate"}

    # The search follows titles written before 0004 and edited after the rebuilds.
    if connection.dialect.name == "sqlite":

        def found(word: str) -> list[int]:
            query = "SELECT rowid FROM proposal_fts WHERE proposal_fts MATCH :q ORDER BY rowid"
            return list(connection.execute(text(query), {"q": f'"{word}"'}).scalars())

        assert connection.execute(text("SELECT COUNT(*) FROM proposal_fts")).scalar() == 12
    else:

        def found(word: str) -> list[int]:
            query = "SELECT id FROM proposal WHERE search_text LIKE :q ORDER BY id"
            return list(connection.execute(text(query), {"q": f"%{word.lower()}%"}).scalars())

    assert found("RPA") == [1]
    assert found("AI-OCR") == [2]
    assert found("窓口予約システム") == [p for p in FINAL_STATUS if p not in (1, 2)]

    # The app's models read every row.
    with Session(bind=connection) as session:
        for table in SQLModel.metadata.sorted_tables:
            model = next(m.class_ for m in default_registry.mappers if m.local_table is table)
            assert len(session.exec(orm_select(model)).all()) == len(data[table.name]), table.name


# -- the test --------------------------------------------------------------------------------


def test_migrations_keep_the_data_of_every_status(connection: Connection) -> None:
    steps = revisions()
    first, head = steps[0], steps[-1]

    def climb(start: int) -> Snapshot:
        """From steps[start] (where the database is) to head, filling after each step."""
        before = snapshot(connection)
        for revision in steps[start + 1 :]:
            migrate(connection, revision)
            after = snapshot(connection)
            dropped = DROPPED_ON_UPGRADE.get(revision, ())
            check_kept(before, after, dropped=dropped, step=f"up {revision}")
            before = after
            if revision in FILLS:
                FILLS[revision](connection)
                connection.commit()
                before = snapshot(connection)  # fills edit rows too: no comparison
        return before

    migrate(connection, first)
    FILLS[first](connection)
    connection.commit()
    first_pass = climb(0)
    check_head(connection, first_pass)

    # Down to the first revision, one step at a time: what survives keeps its values.
    before = first_pass
    for i in range(len(steps) - 1, 0, -1):
        migrate(connection, steps[i - 1], down=True)
        after = snapshot(connection)
        check_kept(
            before, after, emptied=EMPTIED_ON_DOWNGRADE.get(steps[i], ()), step=f"down {steps[i]}"
        )
        before = after
    assert set(before) == {"department", "user", "user_role", "initiative", "login_failure"}
    assert counts(before) == {
        "department": 4,
        "user": 7,
        "user_role": 12,
        "initiative": 0,
        "login_failure": 0,
    }

    # And up again, filled again: the same database as the first time.
    second_pass = climb(0)
    check_head(connection, second_pass)
    for data in (first_pass, second_pass):
        for row in data["rubric_version"].values():
            row.pop("created_at")  # the seed's own time
    assert second_pass == first_pass
    assert head == connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def test_python_m_app_migrate_upgrades_a_filled_database(
    database_url: str, connection: Connection
) -> None:
    """The way the service is upgraded (`python -m app migrate`, as `make run` and the
    Docker image do at start), on a database filled up to 0004: on SQLite, 0005 rebuilds
    `proposal`, which events and attachments reference."""
    for revision in ("0001", "0003", "0004"):
        migrate(connection, revision)
        FILLS[revision](connection)
        connection.commit()
    before = snapshot(connection)
    connection.rollback()  # no locks held while the command migrates
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "ENVIRONMENT": "test",
        "DEMO": "false",
    }
    result = subprocess.run(
        [sys.executable, "-m", "app", "migrate"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    after = snapshot(connection)
    check_kept(before, after, dropped={"login_failure"}, step="python -m app migrate")
    head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert head == revisions()[-1]
