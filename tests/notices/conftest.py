"""A real SMTP server (aiosmtpd on 127.0.0.1) as the town's relay, an app whose mail goes to
it (its deliverer thread off: each test sends the outbox when it decides), and a cast of
people for the notice table."""

import email
import email.policy
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.config import Settings
from app.main import create_app
from app.models import User
from app.models.enums import Role
from app.services.webhook_delivery import PassResult, deliver_due
from tests.conftest import bearer_token
from tests.live import free_port


@dataclass
class Inbox:
    """What the relay accepted; it answers 451 (try later) to the next `refuse` mails."""

    port: int = 0
    refuse: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)  # every accepted message, as sent
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                self.refused += 1
                return "451 4.3.0 relay busy, try again later"
            self.raw.append(envelope.original_content or envelope.content)
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def take(self) -> list[EmailMessage]:
        """The messages received since the last take."""
        with self.lock:
            taken, self.messages = self.messages, []
        return taken


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    handler = Inbox(port=free_port())
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def mail_settings(settings: Settings, inbox: Inbox) -> Settings:
    """The test settings with the relay on (an app made with them, and a session carrying
    them, mail; the others do not)."""
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": inbox.port,
            "mail_from": "業務改善提案システム <teian@town.example.lg.jp>",
            "public_base_url": "https://teian.town.example.lg.jp/",
            "webhook_retry_base_seconds": 0.3,
        }
    )


@pytest.fixture
def mail_app(mail_settings: Settings, db_engine: Engine):
    return create_app(mail_settings, engine=db_engine)


@pytest.fixture
def as_user(mail_app, settings: Settings) -> Iterator[Callable[[User], TestClient]]:
    clients: dict[int, TestClient] = {}

    def login(user: User) -> TestClient:
        if user.id not in clients:
            client = TestClient(mail_app)
            token = bearer_token(mail_app.state.engine, settings, user)
            client.headers["Authorization"] = f"Bearer {token}"
            clients[user.id] = client
        return clients[user.id]

    yield login
    for client in clients.values():
        client.close()


@pytest.fixture
def send_outbox(mail_settings: Settings, db_engine: Engine) -> Callable[[], PassResult]:
    """One pass of the outbox deliverer, as the server's thread runs it."""
    return lambda: deliver_due(db_engine, settings=mail_settings)


@pytest.fixture
def cast(make_user, make_department) -> SimpleNamespace:
    """Everyone a notice may reach, and bystanders who must never be told."""
    home = make_department(name="住民課")
    works = make_department(name="情報政策課")
    elsewhere = make_department(name="税務課")
    people = SimpleNamespace(home=home, works=works, elsewhere=elsewhere)
    people.author = make_user(name="山田花子", department=home)
    people.co_author = make_user(name="佐藤次郎", department=elsewhere)
    people.colleague = make_user(name="住民課職員", department=home)
    people.supervisor = make_user(Role.supervisor, name="住民課長", department=home)
    people.other_supervisor = make_user(Role.supervisor, name="税務課長", department=elsewhere)
    people.secretariat = make_user(Role.secretariat, name="事務局一", department=elsewhere)
    people.secretariat2 = make_user(Role.secretariat, name="事務局二", department=elsewhere)
    people.finance = make_user(Role.finance, name="財政係", department=elsewhere)
    people.a, people.b, people.c = (
        make_user(Role.reviewer, name=f"審査委員{x}", department=elsewhere) for x in "ABC"
    )
    people.implementer = make_user(name="情報政策課員", department=works)
    people.implementer2 = make_user(name="情報政策課員二", department=works)
    people.retired = make_user(Role.secretariat, name="退職者", department=home, is_active=False)
    return people
