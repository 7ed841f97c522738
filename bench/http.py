"""A small HTTP/1.1 load client for the benchmarks: keep-alive connections over asyncio
streams, so the client costs little of the CPU it shares with the server it measures.

Only what the benchmarks need: GET with headers, a Content-Length body (what uvicorn sends
for these JSON and HTML responses; a chunked reply is read too), a status check.
"""

import asyncio
import contextlib
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass


class HttpError(Exception):
    pass


def run_coroutine(coroutine):
    """asyncio.run, in a thread of its own when this thread already runs an event loop (as
    it does inside pytest after a browser test's synchronous Playwright)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class Connection:
    def __init__(self, host: str, port: int, headers: dict[str, str]):
        self.host, self.port = host, port
        extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.head = f"Host: {host}:{port}\r\n{extra}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()

    async def get(self, path: str) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\n{self.head}".encode())
        status_line = await self.reader.readline()
        if not status_line:
            raise HttpError("connection closed")
        status = int(status_line.split()[1])
        length, chunked = None, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if chunked:
            body = bytearray()
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                body += await self.reader.readexactly(size + 2)
                del body[-2:]
            return status, bytes(body)
        return status, await self.reader.readexactly(length or 0)


@dataclass
class Latency:
    p50: float
    p95: float
    count: int


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


async def _latency(host, port, headers, path, runs, warmup) -> Latency:
    connection = Connection(host, port, headers)
    await connection.open()
    try:
        for _ in range(warmup):
            status, body = await connection.get(path)
            if status != 200:
                raise HttpError(f"GET {path}: {status} {body[:300]!r}")
        samples = []
        for _ in range(runs):
            began = time.perf_counter()
            status, _body = await connection.get(path)
            samples.append((time.perf_counter() - began) * 1000)
            if status != 200:
                raise HttpError(f"GET {path}: {status}")
    finally:
        await connection.close()
    return Latency(statistics.median(samples), _percentile(samples, 0.95), len(samples))


def latency(
    host: str, port: int, path: str, *, headers: dict[str, str], runs: int, warmup: int = 5
) -> Latency:
    """p50 and p95 in milliseconds of `runs` sequential requests on one connection."""
    return run_coroutine(_latency(host, port, headers, path, runs, warmup))


async def _throughput(host, port, headers, path, connections, seconds) -> float:
    pool = [Connection(host, port, headers) for _ in range(connections)]
    await asyncio.gather(*(c.open() for c in pool))
    for c in pool:  # warm every connection (and the server's thread pool) once
        status, _ = await c.get(path)
        if status != 200:
            raise HttpError(f"GET {path}: {status}")
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(c: Connection) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            status, _ = await c.get(path)
            if status != 200:
                raise HttpError(f"GET {path}: {status}")
            done += 1

    began = time.perf_counter()
    try:
        await asyncio.gather(*(worker(c) for c in pool))
    finally:
        await asyncio.gather(*(c.close() for c in pool))
    return done / (time.perf_counter() - began)


def throughput(
    host: str,
    port: int,
    path: str,
    *,
    headers: dict[str, str],
    connections: int = 16,
    seconds: float = 5.0,
) -> float:
    """Requests per second with `connections` keep-alive connections for `seconds` (the
    loop is bounded in time and stops by itself)."""
    return run_coroutine(_throughput(host, port, headers, path, connections, seconds))
