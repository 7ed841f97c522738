"""A live server for the integrity tests: real HTTP, parallel clients."""

import pytest

from app.config import Settings
from tests.live import live_server


@pytest.fixture(scope="module")
def server(settings: Settings, engine):
    with live_server(settings) as running:
        yield running
