"""One benchmark run: load N proposals, start the real server and a bare FastAPI endpoint
(uvicorn subprocesses on loopback ports), measure over real HTTP, return the figures.

See docs/benchmarks.md for what is measured and the targets; bench/report.py writes them.
"""

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench import http
from bench.load import load

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
ROUNDS = 5  # throughput windows, alternating between the two servers
SECRET = "bench-secret-key-not-for-production-0123456789"


@dataclass
class Result:
    database: str
    size: int
    workers: int
    load_seconds: float
    latencies: dict[str, http.Latency] = field(default_factory=dict)
    detail_rps: float = 0.0
    bare_rps: float = 0.0
    rss_mb: float = 0.0
    rss_anon_mb: float = 0.0
    rss_file_mb: float = 0.0

    ratio_median: float = 0.0

    @property
    def ratio(self) -> float:
        return self.ratio_median


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def prepare(url: str, size: int, upload_dir: Path) -> tuple[int, float]:
    """A fresh, migrated database with the demo accounts and `size` bulk-loaded proposals;
    returns the busiest fiscal year and the load time in seconds. On PostgreSQL the
    database's public schema is DROPPED and re-created."""
    from app.config import Settings
    from bench.database import analyse, fresh_database

    settings = Settings(_env_file=None, database_url=url, upload_dir=upload_dir)
    engine = fresh_database(settings)
    began = time.perf_counter()
    year = load(engine, size)
    analyse(engine)
    seconds = time.perf_counter() - began
    engine.dispose()
    return year, seconds


def api_token(url: str, upload_dir: Path, email: str) -> str:
    """A live bearer token for the user, as POST /auth/token issues one."""
    from sqlmodel import Session, select

    from app.config import Settings
    from app.db import make_engine
    from app.models import User
    from app.models.auth_session import SessionKind
    from app.services.sessions import open_session

    settings = Settings(_env_file=None, database_url=url, upload_dir=upload_dir)
    engine = make_engine(settings)
    with Session(engine, expire_on_commit=False) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        token = open_session(session, user=user, kind=SessionKind.token, settings=settings)
    engine.dispose()
    return token


def process_rss_mb(pid: int) -> float:
    """Resident memory of the process and its children (the workers), in MB."""
    return process_memory_mb(pid)["VmRSS"]


def process_memory_mb(pid: int) -> dict[str, float]:
    """Resident memory of the process and its children (the workers), in MB: all of it
    (VmRSS), the anonymous part (RssAnon: the heap, what the workers alone hold) and the
    file-mapped part (RssFile: libraries and mapped files such as the morphological
    dictionary, which the kernel shares between workers and may drop and re-read)."""
    totals = dict.fromkeys(("VmRSS", "RssAnon", "RssFile"), 0.0)
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            key, _, value = line.partition(":")
            if key in totals:
                totals[key] += int(value.split()[0]) / 1024
        pending.extend(int(child) for child in children)
    return totals


@contextmanager
def server(target: list[str], env: dict[str, str], workers: int = 1):
    """uvicorn on a free loopback port; yields (port, pid); stopped with SIGTERM."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", *target, "--host", HOST, "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below)
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection((HOST, port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"server did not start: {log.read()[-2000:]!r}") from None
                time.sleep(0.2)
        time.sleep(0.5 if workers == 1 else 2.0)  # every worker listening
        yield port, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def browser_cookie(port: int, email: str, password: str) -> str:
    """Signs in through the login page; returns the Cookie header of the browser session."""
    import httpx

    with httpx.Client(base_url=f"http://{HOST}:{port}") as client:
        form = client.get("/login").text
        csrf = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        answer = client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": csrf, "next": "/"},
        )
        if answer.status_code != 303:
            raise RuntimeError(f"sign-in failed: {answer.status_code}")
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def requests_for(size: int, year: int, detail_id: int) -> list[tuple[str, str, bool]]:
    """(name, path, is a page) in the order of docs/benchmarks.md."""
    deep = min(1500, max(0, size - 50))
    return [
        ("list 50", "/api/v1/proposals?limit=50", False),
        ("filtered list", f"/api/v1/proposals?status=completed&fiscal_year={year}", False),
        (f"deep page (offset {deep:,})", f"/api/v1/proposals?limit=50&offset={deep}", False),
        ("search, 1 character", "/api/v1/proposals?q=%E7%AA%93", False),  # 窓
        ("search, 2 characters", "/api/v1/proposals?q=%E7%AA%93%E5%8F%A3", False),  # 窓口
        ("search, 3+ characters", "/api/v1/proposals?q=" + quote("電子申請"), False),
        ("detail", f"/api/v1/proposals/{detail_id}", False),
        ("stats", f"/api/v1/stats?fiscal_year={year}", False),
        ("dashboard", f"/dashboard?fiscal_year={year}", True),
        ("page render (proposal)", f"/proposals/{detail_id}", True),
    ]


def quote(text: str) -> str:
    from urllib.parse import quote as url_quote

    return url_quote(text)


def run(
    *,
    size: int,
    database_url: str | None,
    workers: int = 1,
    runs: int = 100,
    seconds: float = 5.0,
    latency: bool = True,
) -> Result:
    """Everything for one database and size; `latency=False` measures throughput only."""
    from app.demo import DEMO_PASSWORD, demo_email

    folder = Path(tempfile.mkdtemp(prefix="teian-bench-"))
    url = database_url or f"sqlite:///{folder}/bench.db"
    uploads = folder / "uploads"
    year, load_seconds = prepare(url, size, uploads)
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "DEMO": "false",
        "ENVIRONMENT": "production",
        "UPLOAD_DIR": str(uploads),
        "WEB_CONCURRENCY": str(workers),
    }
    database = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    result = Result(database, size, workers, load_seconds)
    token = api_token(url, uploads, demo_email("staff"))
    api = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    target = ["app.main:create_app", "--factory"]
    with server(target, env, workers) as (port, pid):
        status, body = asyncio_get(port, "/api/v1/proposals?limit=1&status=completed", api)
        detail_id = json.loads(body)["items"][0]["id"]
        status, document = asyncio_get(port, f"/api/v1/proposals/{detail_id}", api)
        if status != 200:
            raise RuntimeError(f"detail: {status}")
        if latency:
            page = {"Cookie": browser_cookie(port, demo_email("staff"), DEMO_PASSWORD)}
            for name, path, is_page in requests_for(size, year, detail_id):
                headers = page if is_page else api
                result.latencies[name] = http.latency(HOST, port, path, headers=headers, runs=runs)
        path = f"/api/v1/proposals/{detail_id}"
        bare_json = folder / "detail.json"
        bare_json.write_bytes(document)
        bare_env = {"BENCH_BARE_JSON": str(bare_json)}
        with server(["bench.bare:app"], bare_env, workers) as (bare_port, _):
            # Alternating short windows, so that load from elsewhere on the machine falls
            # on both alike; the ratio is the median of the windows' ratios.
            ours, bare, ratios = [], [], []
            for _ in range(ROUNDS):
                window = seconds / ROUNDS
                ours.append(http.throughput(HOST, port, path, headers=api, seconds=window))
                bare.append(http.throughput(HOST, bare_port, path, headers=api, seconds=window))
                ratios.append(ours[-1] / bare[-1])
                if os.environ.get("BENCH_VERBOSE"):
                    print(f"  window: {ours[-1]:.0f} vs {bare[-1]:.0f} req/s")
        result.detail_rps, result.bare_rps = statistics.median(ours), statistics.median(bare)
        result.ratio_median = statistics.median(ratios)
        memory = process_memory_mb(pid)
        result.rss_mb, result.rss_anon_mb = memory["VmRSS"], memory["RssAnon"]
        result.rss_file_mb = memory["RssFile"]
    shutil.rmtree(folder, ignore_errors=True)
    return result


def asyncio_get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:

    async def once() -> tuple[int, bytes]:
        connection = http.Connection(HOST, port, headers)
        await connection.open()
        try:
            return await connection.get(path)
        finally:
            await connection.close()

    return http.run_coroutine(once())
