"""Benchmark: the stats endpoint and the dashboard with 10,000 proposals.

Loads a fresh database (a new SQLite file by default, or the PostgreSQL database named by
--database-url, whose public schema is DROPPED and re-created) with 10,000 proposals in
realistic states, then times GET /api/v1/stats and GET /dashboard in-process through the
ASGI app (no network), and prints the median and 95th percentile. With --write it appends
the figures, the machine and the command to docs/benchmarks.md.

    .venv/bin/python -m bench.stats_bench                       # SQLite
    .venv/bin/python -m bench.stats_bench --database-url postgresql://u:p@127.0.0.1/db
    .venv/bin/python -m bench.stats_bench --write               # and record the figures

The load is a bulk insert (not the lifecycle), shaped like a town's decade of proposals:
statuses in the proportions below, ten fiscal years, 12 initiatives plus none, 30
departments of 10–40 staff, stage timestamps a few days to months apart, budget records for
most adopted proposals, milestones for those being carried out, effects for completed ones.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import analyse, fresh_database  # noqa: E402
from bench.load import load  # noqa: E402
from bench.report import machine  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (its schema is re-created)")
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page")
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    return parser.parse_args()


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


def main() -> int:
    args = parse_args()
    folder = tempfile.mkdtemp(prefix="teian-bench-")
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    os.environ.update(DATABASE_URL=url, ENVIRONMENT="test", DEMO="false")
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from app.config import Settings
    from app.main import create_app
    from app.models.auth_session import SessionKind
    from app.services.sessions import open_session

    settings = Settings(
        _env_file=None, database_url=url, environment="test", upload_dir=Path(folder) / "uploads"
    )
    engine = fresh_database(settings)  # the demo accounts (and their few proposals)
    began = time.perf_counter()
    year = load(engine, args.proposals)
    loaded_in = time.perf_counter() - began
    analyse(engine)

    from sqlmodel import select

    from app.demo import demo_email
    from app.models import User

    with Session(engine) as session:
        staff = session.exec(select(User).where(User.email == demo_email("staff"))).one()
    app = create_app(settings, engine=engine)
    results = {}
    with TestClient(app) as client:
        with Session(engine) as session:
            token = open_session(session, user=staff, kind=SessionKind.token, settings=settings)
        client.headers["Authorization"] = f"Bearer {token}"
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
        command = "-m bench.stats_bench" + (
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
