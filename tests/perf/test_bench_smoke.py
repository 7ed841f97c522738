"""The benchmark's small run (docs/benchmarks.md) as a smoke test: 2,000 proposals, the real
server over HTTP beside the bare FastAPI endpoint, on the suite's database.

The limits are about ten times the figures this machine measures (docs/benchmarks.md), so
only a regression of that order fails: the machine is shared and timings swing by 2–3×.
The median (p50) is what is checked, being the steadier figure."""

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.config import Settings
from bench.run import run

# p50 limits in milliseconds: about ten times the p50 measured at 2,000 proposals.
P50_LIMITS = {
    "list 50": 150,
    "filtered list": 150,
    "deep page": 150,
    "search, 1 character": 250,
    "search, 2 characters": 250,
    "search, 3+ characters": 150,
    "detail": 50,
    "stats": 400,
    "dashboard": 500,
    "page render": 200,
}
# The detail endpoint's throughput as a share of the bare endpoint's: measured 0.1–0.2.
MIN_RATIO = 0.015
MAX_RSS_MB = 1000


@pytest.fixture
def bench_database(settings: Settings) -> Iterator[str | None]:
    """None for a new SQLite file (the bench makes it); on PostgreSQL a database of its own,
    since the bench re-creates the schema of the one it is given."""
    if settings.is_sqlite:
        yield None
        return
    url = make_url(settings.database_url)
    name = f"{url.database}_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(settings.sqlalchemy_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_bench_smoke(bench_database: str | None) -> None:
    result = run(size=2000, database_url=bench_database, runs=20, seconds=2.0)
    measured = {name: figure.p50 for name, figure in result.latencies.items()}
    assert len(measured) == len(P50_LIMITS)
    for name, p50 in measured.items():
        limit = next(v for k, v in P50_LIMITS.items() if name.startswith(k))
        assert p50 <= limit, f"{name}: p50 {p50:.1f} ms > {limit} ms"
    assert result.bare_rps > 0 and result.detail_rps > 0
    assert result.ratio >= MIN_RATIO, f"throughput ratio {result.ratio:.3f}"
    assert 0 < result.rss_mb <= MAX_RSS_MB
