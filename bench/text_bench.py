"""Benchmark: the Japanese text help at 10,000 proposals (docs/text.md).

Loads a fresh database (a new SQLite file by default, or the PostgreSQL database named by
--database-url, whose public schema is DROPPED and re-created) with the demo accounts and
N proposals whose texts are recombined from the evaluation set (tests/data/text_eval/):
each takes one proposal's title and the bodies of two others, so the vocabulary and the
word frequencies are those of real proposals, not of a template. The texts are analysed
with `reindex_all` (timed: the cost of `python -m app reindex-text`). Then it times, in
process through the ASGI app (no network), as the demo secretariat:
  GET /api/v1/proposals/similar?title=&text=   (the hint while writing)
  GET /api/v1/initiatives/suggest?text=        (the suggestion while writing)
  GET /api/v1/proposals?q=                     (search by relevance, with snippets)
with queries taken from the evaluation set, and prints the median and 95th percentile.

    .venv/bin/python -m bench.text_bench [--proposals 10000] [--database-url postgresql://…]
    .venv/bin/python -m bench.text_bench --write     # and record the figures in docs/text.md
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import machine  # noqa: E402

DATA = ROOT / "tests" / "data" / "text_eval"
MARKER = "<!-- text-bench -->"


def texts() -> list[dict]:
    pairs = json.loads((DATA / "similar_pairs.json").read_text(encoding="utf-8"))["pairs"]
    labelled = json.loads((DATA / "initiative_labelled.json").read_text(encoding="utf-8"))
    return [p[side] for p in pairs for side in ("a", "b")] + labelled["proposals"]


def load(engine, count: int, seed: int = 11) -> None:
    """`count` submitted proposals by the demo staff, inserted in bulk (no ORM events)."""
    from sqlalchemy import insert, select

    from app.models import Initiative, Proposal, Round, User
    from app.models.types import utcnow

    rng = random.Random(seed)
    source = texts()
    now = utcnow()
    with engine.begin() as connection:
        author = connection.execute(select(User.id).order_by(User.id)).first()[0]
        round_id = connection.execute(select(Round.id).order_by(Round.id)).first()[0]
        initiatives = [row[0] for row in connection.execute(select(Initiative.id))]
        batch = []
        for i in range(count):
            head, *rest = rng.sample(source, 3)
            batch.append(
                {
                    "version": 1,
                    "title": f"{head['title']}（{i}）",
                    "summary": head["body"],
                    "current_situation": rest[0]["body"],
                    "proposal_text": rest[1]["body"],
                    "expected_effect": "",
                    "kind": "improvement",
                    "category": "efficiency",
                    "already_implemented": False,
                    "initiative_id": rng.choice([*initiatives, None]),
                    "round_id": round_id,
                    "author_id": author,
                    "status": rng.choice(["submitted", "in_review", "adopted", "completed"]),
                    "fiscal_year": 2026,
                    "created_at": now,
                    "updated_at": now,
                    "submitted_at": now,
                }
            )
            if len(batch) == 1000:
                connection.execute(insert(Proposal), batch)
                batch = []
        if batch:
            connection.execute(insert(Proposal), batch)


def timed(client, paths: list[str]) -> tuple[float, float]:
    for path in paths[:3]:
        assert client.get(path).status_code == 200, path
    samples = []
    for path in paths:
        begin = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200, (path, response.text)
    samples.sort()
    return statistics.median(samples), samples[
        min(len(samples) - 1, round(0.95 * len(samples)) - 1)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (its schema is re-created)")
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200, help="timed requests per endpoint")
    parser.add_argument("--write", action="store_true", help="record in docs/text.md")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="teian-text-bench-")
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    os.environ.update(DATABASE_URL=url, ENVIRONMENT="test", DEMO="false")
    from fastapi.testclient import TestClient
    from sqlmodel import Session, select

    from app.config import Settings
    from app.demo import demo_email
    from app.main import create_app
    from app.models import User
    from app.models.auth_session import SessionKind
    from app.services.sessions import open_session
    from app.services.text_index import reindex_all
    from bench.database import analyse, fresh_database

    settings = Settings(
        _env_file=None, database_url=url, environment="test", upload_dir=Path(folder) / "up"
    )
    engine = fresh_database(settings)
    load(engine, args.proposals)
    began = time.perf_counter()
    with Session(engine) as session:
        analysed = reindex_all(session)
    indexed_in = time.perf_counter() - began
    analyse(engine)
    with Session(engine) as session:
        reader = session.exec(select(User).where(User.email == demo_email("secretariat"))).one()
        token = open_session(session, user=reader, kind=SessionKind.token, settings=settings)

    rng = random.Random(5)
    queries = [rng.choice(texts()) for _ in range(args.runs)]
    api = "/api/v1"
    requests = {
        "GET /proposals/similar (title and text)": [
            f"{api}/proposals/similar?" + urlencode({"title": q["title"], "text": q["body"]})
            for q in queries
        ],
        "GET /initiatives/suggest": [
            f"{api}/initiatives/suggest?" + urlencode({"text": f"{q['title']}\n{q['body']}"})
            for q in queries
        ],
        "GET /proposals?q= (relevance, snippets)": [
            f"{api}/proposals?" + urlencode({"q": q["title"][:6]}) for q in queries
        ],
    }
    results = {}
    with TestClient(create_app(settings, engine=engine)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        for name, paths in requests.items():
            results[name] = timed(client, paths)
    engine.dispose()

    database = "SQLite" if settings.is_sqlite else "PostgreSQL"
    lines = [
        f"| {database} | {name} | {args.proposals:,} | {median:.1f} | {p95:.1f} |"
        for name, (median, p95) in results.items()
    ]
    print(f"analysed {analysed:,} proposals in {indexed_in:.1f} s")
    print("\n".join(lines))
    if args.write:
        revision = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
        command = "-m bench.text_bench" + (
            " --database-url postgresql://…" if args.database_url else ""
        )
        block = "\n".join(
            [
                "",
                f"### {database}, {datetime.now(UTC):%Y-%m-%d}, commit {revision}",
                "",
                f"Machine: {machine()}. Command: `.venv/bin/python {command}` ({args.runs} "
                "timed requests each after 3 warm-up ones; in-process ASGI, no network). "
                f"Analysing the {analysed:,} proposals (`reindex-text`) took {indexed_in:.0f} s.",
                "",
                "| database | request | proposals | median ms | 95th percentile ms |",
                "|---|---|---|---|---|",
                *lines,
                "",
            ]
        )
        docs = ROOT / "docs" / "text.md"
        content = docs.read_text(encoding="utf-8")
        docs.write_text(content.replace(MARKER, block + "\n" + MARKER), encoding="utf-8")
        print(f"recorded in {docs.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
