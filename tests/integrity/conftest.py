"""A live server with several workers for the integrity tests: real HTTP, parallel
clients."""

import pytest

from app.config import Settings
from tests.live import live_server


@pytest.fixture(scope="module")
def server(settings: Settings, engine):
    """Several workers, as in production: 2 on SQLite, 4 on PostgreSQL (issue 12). No
    state lives in one process: sessions, throttling, idempotency keys are rows."""
    with live_server(settings, workers=2 if settings.is_sqlite else 4) as running:
        yield running
