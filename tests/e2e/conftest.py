"""A live server on a free port, with the demo data, driven by Debian's Chromium."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from app.config import Settings
from app.demo import load_demo
from tests.conftest import clean_database
from tests.live import live_server as serve

CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def _need_chromium() -> None:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)")
        pytest.skip(f"{CHROMIUM} is not installed: browser tests skipped")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    # A Japanese desktop, as at the town hall.
    return {**browser_context_args, "locale": "ja-JP", "timezone_id": "Asia/Tokyo"}


@pytest.fixture(scope="module")
def live_server(settings: Settings, engine) -> Iterator[str]:
    """The app in its own process (uvicorn), on the test database with the demo data."""
    clean_database(engine)
    with Session(engine) as session:
        load_demo(session)
    with serve(settings) as server:
        yield server.url
