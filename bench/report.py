"""Printing a run's figures and writing them into docs/benchmarks.md beside the targets of
issue 15. Each (database, size) has its own block between markers, replaced by the next run
of the same database and size, so runs made at different times sit side by side, each with
its own commit and date."""

import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench.run import Result

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
END = "<!-- bench:end -->"

# p95 targets in ms: (at 2,000, at 100,000; sizes above 2,000 use the second).
TARGETS = {
    "list 50": (10, 20),
    "deep page": (10, 20),
    "search, 3+ characters": (10, 25),
    "search, 2 characters": (15, 40),
    "detail": (5, 5),
    "stats": (30, 150),
}
RATIO_TARGET = 0.5
MEMORY_TARGET = (120, 200)


def target_for(name: str, size: int) -> float | None:
    for prefix, (small, large) in TARGETS.items():
        if name.startswith(prefix):
            return small if size <= 2000 else large
    return None


def print_result(result: Result) -> None:
    print(
        f"== {result.database}, {result.size:,} proposals, {result.workers} worker(s); "
        f"loaded in {result.load_seconds:.1f} s"
    )
    for name, figure in result.latencies.items():
        print(f"  {name:32} p50 {figure.p50:7.1f} ms   p95 {figure.p95:7.1f} ms")
    print(
        f"  detail throughput {result.detail_rps:.0f} req/s vs bare {result.bare_rps:.0f} req/s"
        f" = {result.ratio:.2f}x; server RSS {result.rss_mb:.0f} MB"
        f" ({result.rss_anon_mb:.0f} MB anonymous, {result.rss_file_mb:.0f} MB file-mapped)"
    )


def _met(value: float, target: float | None, higher_is_better: bool = False) -> str:
    if target is None:
        return "—"
    ok = value >= target if higher_is_better else value <= target
    return "met" if ok else "**not met**"


def machine() -> str:
    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def commit() -> str:
    found = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    )
    # Changes to the code measured, not to the docs this run writes into.
    dirty = subprocess.run(
        [
            "git",
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            "app",
            "bench",
            "migrations",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.strip()
    return found.stdout.strip() + (" (with uncommitted changes)" if dirty else "")


def block(result: Result, runs: int) -> str:
    key = f"{result.database}:{result.size}"
    memory = MEMORY_TARGET[0] if result.size <= 2000 else MEMORY_TARGET[1]
    lines = [
        f"<!-- bench:{key} -->",
        f"### {result.database}, {result.size:,} proposals",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit()}; {machine()}; "
        f"one uvicorn worker; bulk load {result.load_seconds:.1f} s; {runs} sequential "
        "requests per row after 5 warm-ups, over HTTP on loopback.",
        "",
        "| request | p50 ms | p95 ms | p95 target | |",
        "|---|---|---|---|---|",
    ]
    for name, figure in result.latencies.items():
        target = target_for(name, result.size)
        shown = f"≤ {target}" if target is not None else "—"
        lines.append(
            f"| {name} | {figure.p50:.1f} | {figure.p95:.1f} | {shown} | "
            f"{_met(figure.p95, target)} |"
        )
    lines += [
        "",
        "| throughput, 16 connections, `GET /api/v1/proposals/{id}` | figure | target | |",
        "|---|---|---|---|",
        f"| this server | {result.detail_rps:.0f} req/s | | |",
        f"| bare FastAPI, same JSON, same run | {result.bare_rps:.0f} req/s | | |",
        f"| ratio | **{result.ratio:.2f}×** | ≥ {RATIO_TARGET}× | "
        f"{_met(result.ratio, RATIO_TARGET, higher_is_better=True)} |",
        f"| server memory (RSS) after the run | {result.rss_mb:.0f} MB | ≤ {memory} MB | "
        f"{_met(result.rss_mb, memory)} |",
        f"| of which anonymous (heap) / file-mapped | {result.rss_anon_mb:.0f} / "
        f"{result.rss_file_mb:.0f} MB | | |",
        f"<!-- /bench:{key} -->",
    ]
    return "\n".join(lines)


def write_results(results: list[Result], runs: int) -> None:
    text = DOC.read_text(encoding="utf-8")
    if END not in text:
        raise SystemExit(f"{DOC} has no {END} marker")
    for result in results:
        key = f"{result.database}:{result.size}"
        new = block(result, runs)
        pattern = re.compile(
            rf"<!-- bench:{re.escape(key)} -->.*?<!-- /bench:{re.escape(key)} -->", re.S
        )
        found = pattern.search(text)
        before, after = (found.start(), found.end()) if found else (None, None)
        if before is None:
            text = text.replace(END, f"{new}\n\n{END}")
            continue
        text = text[:before] + new + text[after:]
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC.relative_to(ROOT)}")
