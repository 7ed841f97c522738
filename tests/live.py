"""The app in its own uvicorn process on the test database, for tests that need real HTTP:
races between parallel clients, memory of the server process, the browser."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from app.config import BASE_DIR, Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen

    def rss_bytes(self) -> int:
        """The server process's resident memory, from /proc."""
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")


@contextmanager
def live_server(settings: Settings, workers: int = 1, **env: str) -> Iterator[LiveServer]:
    """Serve the app on a free port until the block ends, with `workers` uvicorn worker
    processes; `env` adds settings."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key or "",
        "ENVIRONMENT": "test",
        "DEMO": "false",
        "UPLOAD_DIR": str(settings.upload_dir),
        "WEBHOOK_ALLOWED_HOSTS": settings.webhook_allowed_hosts or "127.0.0.1,localhost",
        **env,
    }
    command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    if workers > 1:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=environment)
    try:
        # Generous: four workers each importing the app on a busy two-core machine.
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"the live server exited with {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("the live server did not answer within 90 s")
            time.sleep(0.2)
        if workers > 1:
            time.sleep(3)  # the first answer comes as soon as one worker listens
        yield LiveServer(url, process)
    finally:
        process.terminate()
        process.wait(timeout=10)
