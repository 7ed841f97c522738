"""`python -m app worker`: the outbox deliverer in a process of its own (docs/webhooks.md),
for deployments that turn the server's thread off; `worker --once` is one pass."""

import signal
import subprocess
import sys

from app.config import BASE_DIR, Settings
from tests.api.review_support import submitted
from tests.webhooks.conftest import subscribe, verify


def _env(settings: Settings) -> dict[str, str]:
    return {
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key or "",
        "ENVIRONMENT": "test",
        "PATH": "/usr/bin:/bin",
        "WEBHOOK_POLL_SECONDS": "0.1",
    }


def test_worker_delivers_until_stopped(
    admin_api, wh_api, settings: Settings, make_user, receiver
) -> None:
    subscribe(admin_api, receiver.url)
    author_api = wh_api(make_user())
    submitted(author_api)  # waiting in the outbox before the worker starts
    worker = subprocess.Popen(
        [sys.executable, "-m", "app", "worker"],
        cwd=BASE_DIR,
        env=_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        verify(receiver.wait_for(1)[0])
        submitted(author_api)  # written while it runs: sent on its next poll
        arrived = receiver.wait_for(2)
        verify(arrived[1])
        assert arrived[0].delivery_id != arrived[1].delivery_id
        assert worker.poll() is None  # still running: it is not a single pass
    finally:
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=15)
    assert worker.returncode == 0, err
    assert "worker: stopped" in out


def test_worker_once_and_its_old_name_make_one_pass(
    admin_api, wh_api, settings: Settings, make_user, receiver
) -> None:
    subscribe(admin_api, receiver.url)
    author_api = wh_api(make_user())
    for command, count in (("worker --once", 1), ("deliver-webhooks", 2)):
        submitted(author_api)
        done = subprocess.run(
            [sys.executable, "-m", "app", *command.split()],
            cwd=BASE_DIR,
            env=_env(settings),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert "1 delivered" in done.stdout
        verify(receiver.wait_for(count)[-1])
