"""A real HTTP receiver for webhook deliveries (a threading http.server on 127.0.0.1), the
signature check a receiver would do, and an app whose own deliverer thread is off, so
that each test decides when deliveries are sent."""

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.models import User
from app.models.enums import Role
from tests.conftest import bearer_token

API = "/api/v1"
SECRET = "receiver-shared-secret-0123456789"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() on arrival
    answered: int

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def delivery_id(self) -> str:
        return self.headers["x-teian-delivery"]


@dataclass
class Receiver:
    """Records every POST; answers with the statuses in `answers` in turn, then 200,
    after `delay` seconds."""

    url: str = ""
    answers: list[int] = field(default_factory=list)
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, timeout: float = 20) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.02)
        with self.lock:
            raise AssertionError(f"{len(self.requests)} requests arrived, {count} expected")

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.requests)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with receiver.lock:
                status = receiver.answers.pop(0) if receiver.answers else 200
                receiver.requests.append(
                    Received(
                        path=self.path,
                        headers={k.lower(): v for k, v in self.headers.items()},
                        body=body,
                        at=time.monotonic(),
                        answered=status,
                    )
                )
            time.sleep(receiver.delay)
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def verify(request: Received, secret: str = SECRET, *, tolerance: int = 300) -> None:
    """What a receiver does: recompute HMAC-SHA256 over "<t>.<raw body>" and compare."""
    parts = dict(item.split("=", 1) for item in request.headers["x-teian-signature"].split(","))
    assert set(parts) == {"t", "v1"}, parts
    expected = hmac.new(
        secret.encode(), parts["t"].encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected), "bad signature"
    assert abs(time.time() - int(parts["t"])) < tolerance


@pytest.fixture
def wh_settings(settings: Settings) -> Settings:
    """The test settings with the lifespan's deliverer off and quick retries. Any host may
    be subscribed here (the contract's examples name portal hosts); nothing is sent but by
    the tests' own deliverers, to their receivers on 127.0.0.1."""
    return settings.model_copy(
        update={
            "webhook_allowed_hosts": "",
            "webhook_delivery_enabled": False,
            "webhook_retry_base_seconds": 0.2,
            "webhook_poll_seconds": 0.05,
        }
    )


@pytest.fixture
def wh_app(wh_settings: Settings, db_engine):
    return create_app(wh_settings, engine=db_engine)


@pytest.fixture
def wh_api(wh_app, wh_settings: Settings) -> Iterator[Callable[[User], TestClient]]:
    """A bearer-token client for a user, on the app with the test's settings."""
    clients: list[TestClient] = []

    def login(user: User) -> TestClient:
        client = TestClient(wh_app)
        token = bearer_token(wh_app.state.engine, wh_settings, user)
        client.headers["Authorization"] = f"Bearer {token}"
        clients.append(client)
        return client

    yield login
    for client in clients:
        client.close()


@pytest.fixture
def admin_api(wh_api, make_user) -> TestClient:
    return wh_api(make_user(Role.admin))


def subscribe(admin_api: TestClient, url: str, events=("*",), secret: str = SECRET) -> dict:
    response = admin_api.post(
        f"{API}/webhooks", json={"url": url, "events": list(events), "secret": secret}
    )
    assert response.status_code == 201, response.text
    return response.json()


def deliveries(admin_api: TestClient, webhook_id: int) -> list[dict]:
    response = admin_api.get(f"{API}/webhooks/{webhook_id}/deliveries")
    assert response.status_code == 200, response.text
    return response.json()["items"]
