"""Benchmark: the stats endpoint and the dashboard with 10,000 proposals.

Loads a fresh database (a new SQLite file by default, or the PostgreSQL database named by
--database-url, whose public schema is DROPPED and re-created) with 10,000 proposals in
realistic states, then times GET /api/v1/stats and GET /dashboard in-process through the
ASGI app (no network), and prints the median and 95th percentile. With --write it appends
the figures, the machine and the command to docs/benchmarks.md.

    .venv/bin/python bench/stats_bench.py                       # SQLite
    .venv/bin/python bench/stats_bench.py --database-url postgresql://u:p@127.0.0.1/db
    .venv/bin/python bench/stats_bench.py --write               # and record the figures

The load is a bulk insert (not the lifecycle), shaped like a town's decade of proposals:
statuses in the proportions below, ten fiscal years, 12 initiatives plus none, 30
departments of 10–40 staff, stage timestamps a few days to months apart, budget records for
most adopted proposals, milestones for those being carried out, effects for completed ones.
"""

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (status, weight): most proposals end somewhere after review.
STATUSES = [
    ("draft", 4),
    ("submitted", 3),
    ("returned", 1),
    ("not_accepted", 2),
    ("in_review", 5),
    ("adopted", 6),
    ("deferred", 4),
    ("rejected", 20),
    ("budgeted", 5),
    ("in_progress", 15),
    ("completed", 30),
    ("withdrawn", 5),
]
AFTER_ACCEPT = {
    "in_review",
    "adopted",
    "deferred",
    "rejected",
    "budgeted",
    "in_progress",
    "completed",
}
DECIDED = {"adopted", "deferred", "rejected", "budgeted", "in_progress", "completed"}
ADOPTED = {"adopted", "budgeted", "in_progress", "completed"}
STARTED = {"in_progress", "completed"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (its schema is re-created)")
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page")
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    return parser.parse_args()


def load(engine, count: int, seed: int = 7) -> int:
    """Bulk-inserts departments, users, proposals, budget records and milestones; returns
    the fiscal year with the most proposals (the one timed)."""
    from sqlalchemy import insert, select

    from app.models import (
        BudgetRecord,
        Department,
        Initiative,
        Milestone,
        Proposal,
        Round,
        User,
    )

    rng = random.Random(seed)
    now = datetime.now(UTC)
    years = list(range(2017, 2027))
    with engine.begin() as db:
        initiative_ids = [None, *db.execute(select(Initiative.id)).scalars()]
        db.execute(
            insert(Department),
            [
                {
                    "code": f"B{n:03d}",
                    "name": f"ベンチ課{n}",
                    "is_active": True,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(30)
            ],
        )
        departments = list(db.execute(select(Department.id)).scalars())
        users = []
        for department in departments:
            for _ in range(rng.randint(10, 40)):
                n = len(users)
                users.append(
                    {
                        "email": f"bench{n}@example.jp",
                        "name": f"職員 {n}",
                        "name_kana": "",
                        "password_hash": "!",
                        "department_id": department,
                        "is_active": True,
                        "employment_type": "regular",
                        "position": "",
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
        db.execute(insert(User), users)
        user_rows = db.execute(select(User.id, User.department_id)).all()
        rounds = {}
        for year in years:
            rounds[year] = db.execute(
                insert(Round).returning(Round.id),
                {
                    "fiscal_year": year,
                    "kind": "theme",
                    "title": f"{year}年度 ベンチマーク",
                    "description": "",
                    "starts_on": date(year, 4, 1),
                    "ends_on": date(year + 1, 3, 31),
                    "created_at": now,
                },
            ).scalar_one()
        statuses = [s for s, _ in STATUSES]
        weights = [w for _, w in STATUSES]
        rows, counters = [], dict.fromkeys(years, 0)
        for i in range(count):
            status = rng.choices(statuses, weights)[0]
            year = rng.choice(years)
            author, department = rng.choice(user_rows)
            created = datetime(year, 4, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 330))
            submitted = None if status == "draft" else created + timedelta(days=rng.randint(0, 5))
            accepted = decided = started = completed = None
            number = None
            if status in AFTER_ACCEPT:
                counters[year] += 1
                number = f"B{year}-{counters[year]:05d}"
                accepted = submitted + timedelta(days=rng.randint(1, 14))
            if status in DECIDED:
                decided = accepted + timedelta(days=rng.randint(14, 90))
            if status in STARTED:
                started = decided + timedelta(days=rng.randint(7, 200))
            if status == "completed":
                completed = started + timedelta(days=rng.randint(30, 365))
            hours = rng.choice([None, rng.randint(10, 2000)])
            rows.append(
                {
                    "number": number,
                    "version": 1,
                    "title": f"ベンチマーク提案 {i}",
                    "summary": "事務の効率化",
                    "current_situation": "",
                    "proposal_text": "",
                    "expected_effect": "",
                    "kind": rng.choice(["improvement", "policy"]),
                    "category": "efficiency",
                    "already_implemented": False,
                    "initiative_id": rng.choice(initiative_ids),
                    "round_id": rounds[year],
                    "author_id": author,
                    "department_id": None if status == "draft" else department,
                    "estimated_hours_saved_per_year_hours": hours,
                    "estimated_savings_yen_per_year": rng.choice([None, rng.randint(0, 10**6)]),
                    "estimated_cost_yen": rng.choice([None, rng.randint(0, 5 * 10**6)]),
                    "reviews_in": 2 if status in AFTER_ACCEPT else 0,
                    "reviewers_assigned": 0,
                    "needs_discussion": False,
                    "score": rng.randint(30, 95) if status in DECIDED else None,
                    "outcome": "adopted" if status in ADOPTED else None,
                    "implementing_department_id": department if status in ADOPTED else None,
                    "target_hours_saved_per_year_hours": hours if status in ADOPTED else None,
                    "actual_hours_saved_per_year_hours": (
                        rng.randint(0, 2500) if status == "completed" else None
                    ),
                    "actual_savings_yen_per_year": (
                        rng.randint(0, 10**6) if status == "completed" else None
                    ),
                    "actual_cost_yen": rng.randint(0, 10**6) if status == "completed" else None,
                    "progress_percent": (
                        100
                        if status == "completed"
                        else rng.randint(0, 99)
                        if status == "in_progress"
                        else None
                    ),
                    "planned_end_date": (started + timedelta(days=180)).date() if started else None,
                    "status": status,
                    "fiscal_year": year,
                    "created_at": created,
                    "updated_at": created,
                    "submitted_at": submitted,
                    "accepted_at": accepted,
                    "decided_at": decided,
                    "started_at": started,
                    "completed_at": completed,
                }
            )
        for start in range(0, len(rows), 1000):
            db.execute(insert(Proposal), rows[start : start + 1000])
        adopted = db.execute(
            select(Proposal.id, Proposal.fiscal_year, Proposal.status).where(
                Proposal.status.in_(ADOPTED)
            )
        ).all()
        budgets, milestones = [], []
        for proposal_id, year, status in adopted:
            if rng.random() < 0.8:
                requested = rng.randint(1, 50) * 100_000
                budgets.append(
                    {
                        "proposal_id": proposal_id,
                        "required": True,
                        "fiscal_year": year + 1,
                        "budget_type": "initial",
                        "requested_yen": requested,
                        "approved_yen": None if status == "adopted" else requested,
                        "funding_source": "general",
                        "status": "requested" if status == "adopted" else "approved",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            if status == "in_progress":
                for k in range(3):
                    milestones.append(
                        {
                            "proposal_id": proposal_id,
                            "title": f"工程{k + 1}",
                            "due_date": date.today() + timedelta(days=rng.randint(-60, 120)),
                            "weight": 1,
                            "done_on": None,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
        if budgets:
            db.execute(insert(BudgetRecord), budgets)
        if milestones:
            db.execute(insert(Milestone), milestones)
    return max(counters, key=counters.get)


def timed(client, path: str, runs: int) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds (after two warm-up requests)."""
    for _ in range(2):
        assert client.get(path).status_code == 200, path
    samples = []
    for _ in range(runs):
        begin = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * len(samples)) - 1)]
    return statistics.median(samples), p95


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> int:
    args = parse_args()
    folder = tempfile.mkdtemp(prefix="teian-bench-")
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    os.environ.update(DATABASE_URL=url, ENVIRONMENT="test", DEMO="false")
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from app.config import Settings
    from app.db import make_engine
    from app.demo import load_demo
    from app.main import create_app
    from app.migrate import upgrade_head
    from app.security import issue_token

    settings = Settings(
        _env_file=None, database_url=url, environment="test", upload_dir=Path(folder) / "uploads"
    )
    engine = make_engine(settings)
    if not settings.is_sqlite:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    with engine.begin() as connection:
        upgrade_head(connection)
    from sqlmodel import Session

    with Session(engine) as session:
        load_demo(session)  # the demo accounts (and their few proposals)
    began = time.perf_counter()
    year = load(engine, args.proposals)
    loaded_in = time.perf_counter() - began
    if settings.is_sqlite:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))

    from sqlmodel import select

    from app.demo import demo_email
    from app.models import User

    with Session(engine) as session:
        staff = session.exec(select(User).where(User.email == demo_email("staff"))).one()
    app = create_app(settings, engine=engine)
    results = {}
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {issue_token(settings.secret_key, staff.id)}"
        results["GET /api/v1/stats"] = timed(client, f"/api/v1/stats?fiscal_year={year}", args.runs)
    with TestClient(app) as pages:
        login = pages.get("/login")
        token = login.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed_in = pages.post(
            "/login",
            data={
                "email": demo_email("staff"),
                "password": "demo-pass-2025",
                "csrf_token": token,
                "next": "/",
            },
            follow_redirects=False,
        )
        assert signed_in.status_code == 303, signed_in.text
        results["GET /dashboard"] = timed(pages, f"/dashboard?fiscal_year={year}", args.runs)
    engine.dispose()

    database = "SQLite" if settings.is_sqlite else "PostgreSQL"
    lines = [
        f"| {database} | {name} | {args.proposals:,} | {median:.1f} | {p95:.1f} |"
        for name, (median, p95) in results.items()
    ]
    print(f"loaded {args.proposals:,} proposals in {loaded_in:.1f} s; timed fiscal year {year}")
    print("\n".join(lines))
    if args.write:
        command = "bench/stats_bench.py" + (
            " --database-url postgresql://…" if args.database_url else ""
        )
        revision = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
        docs = ROOT / "docs" / "benchmarks.md"
        block = [
            "",
            f"### {database}, {datetime.now(UTC):%Y-%m-%d}, commit {revision}",
            "",
            f"Machine: {machine()}. Command: `.venv/bin/python {command}` "
            f"({args.runs} timed requests each, after 2 warm-up requests; in-process ASGI, "
            "no network).",
            "",
            "| database | request | proposals | median ms | 95th percentile ms |",
            "|---|---|---|---|---|",
            *lines,
            "",
        ]
        with docs.open("a", encoding="utf-8") as out:
            out.write("\n".join(block))
        print(f"appended to {docs.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
