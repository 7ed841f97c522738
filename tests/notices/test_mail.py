"""E-mail through a real SMTP server (aiosmtpd): the message itself (RFC 2047 subject, UTF-8
text), a relay that refuses and then accepts, a relay that is down while requests go on,
mail off without SMTP_HOST, the per-user setting (API and account page) and the daily
digest."""

import time
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, col, select

from app.models import Notification, WebhookDelivery
from app.models.enums import Role
from app.services import mail
from app.services.digests import send_digests
from app.services.webhook_delivery import deliver_due
from tests.api.review_support import API
from tests.helpers import COMPLETE
from tests.live import free_port
from tests.notices.conftest import Inbox

SETTINGS = f"{API}/users/me/notification-settings"


def submit(client, title: str = "窓口予約システムの導入") -> int:
    response = client.post(f"{API}/proposals", json={"title": title, **COMPLETE})
    assert response.status_code == 201, response.text
    pid = response.json()["id"]
    response = client.post(f"{API}/proposals/{pid}/submit", json={})
    assert response.status_code == 200, response.text
    return pid


def mails(engine) -> list[WebhookDelivery]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(WebhookDelivery)
                .where(WebhookDelivery.channel == "mail")
                .order_by(col(WebhookDelivery.created_at))
            ).all()
        )


@pytest.fixture
def pair(make_user, make_department):
    """An author and the one secretariat member told of the submission."""
    home = make_department(name="住民課")
    author = make_user(name="山田花子", department=home)
    secretariat = make_user(Role.secretariat, name="事務局 太郎", email="jimukyoku@town.example")
    return author, secretariat


def test_the_message_is_utf8_with_an_encoded_japanese_subject(
    pair, as_user, send_outbox, inbox: Inbox
):
    author, _secretariat = pair
    pid = submit(as_user(author))
    assert inbox.take() == []  # nothing is sent while the request runs
    assert send_outbox().delivered == 1
    (message,) = inbox.take()
    (raw,) = inbox.raw[-1:]
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()  # every header is 7-bit: RFC 2047 encoded-words
    assert b"Subject: =?utf-8?" in head
    assert (
        str(message["Subject"])
        == "【業務改善提案】新しい提案: 「窓口予約システムの導入」が提出されました"
    )
    assert message["To"].addresses[0].addr_spec == "jimukyoku@town.example"
    assert message["To"].addresses[0].display_name == "事務局 太郎"
    assert message["From"].addresses[0].addr_spec == "teian@town.example.lg.jp"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    text = message.get_content()
    assert text.startswith("事務局 太郎 様\n")
    assert "件名: 窓口予約システムの導入" in text
    assert "提案番号: （受理前のため未採番）" in text
    assert "次にすること: 受付待ちの一覧で内容を確かめ" in text
    assert f"https://teian.town.example.lg.jp/proposals/{pid}\n" in text
    assert message["Message-ID"]


def test_a_relay_that_refuses_then_accepts_gets_each_mail_once(
    pair, as_user, db_engine, send_outbox, inbox: Inbox
):
    author, _secretariat = pair
    inbox.refuse = 1
    submit(as_user(author))
    first = send_outbox()
    assert (first.delivered, first.failed) == (0, 1)
    assert inbox.refused == 1 and inbox.take() == []
    (row,) = mails(db_engine)
    assert row.attempts == 1 and "451" in (row.error or "")
    assert row.delivered_at is None and row.next_attempt_at is not None
    time.sleep(0.4)  # the retry is due after 0.3 s in these settings
    assert send_outbox().delivered == 1
    assert len(inbox.take()) == 1
    (row,) = mails(db_engine)
    assert row.delivered_at is not None and row.attempts == 2 and row.error is None
    time.sleep(0.4)
    assert send_outbox().delivered == 0 and inbox.take() == []  # once


def test_a_relay_that_is_down_never_holds_up_a_request(
    pair, as_user, mail_settings, db_engine
) -> None:
    """The relay is unreachable: the submission answers at once; the mail waits in the
    outbox and goes when the relay is back."""
    author, secretariat = pair
    port = free_port()
    down = mail_settings.model_copy(update={"smtp_port": port})
    started = time.monotonic()
    submit(as_user(author))
    assert time.monotonic() - started < 5
    result = deliver_due(db_engine, settings=down)
    assert (result.delivered, result.failed) == (0, 1)
    (row,) = mails(db_engine)
    assert "Connection" in (row.error or "") or "refused" in (row.error or "")
    back = Inbox(port=port)
    controller = Controller(back, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        time.sleep(0.4)
        assert deliver_due(db_engine, settings=down).delivered == 1
        (message,) = back.take()
        assert message["To"].addresses[0].addr_spec == secretariat.email
    finally:
        controller.stop()


def test_without_smtp_host_nothing_is_mailed(pair, api_as, engine) -> None:
    """The test settings have no SMTP_HOST: the notice is in the app, no mail is queued."""
    author, secretariat = pair
    submit(api_as(author))
    assert mails(engine) == []
    with Session(engine) as session:
        told = session.exec(select(Notification).where(Notification.user_id == secretariat.id))
        assert [(n.kind, n.digest_pending) for n in told] == [("submitted", False)]


@pytest.fixture
def team(make_user, make_department) -> Iterator[tuple]:
    home = make_department(name="住民課")
    author = make_user(name="山田花子", department=home)
    daily = make_user(Role.secretariat, name="日報 受取")
    off = make_user(Role.secretariat, name="メール 不要")
    immediate = make_user(Role.secretariat, name="即時 受取")
    yield author, daily, off, immediate


def test_the_setting_decides_immediate_daily_or_off(
    team, as_user, db_engine, send_outbox, inbox: Inbox, mail_settings
):
    author, daily, off, immediate = team
    for user, value in ((daily, "daily"), (off, "off")):
        response = as_user(user).put(SETTINGS, json={"email": value})
        assert response.status_code == 200 and response.json() == {"email": value}
    assert as_user(immediate).get(SETTINGS).json() == {"email": "immediate"}
    assert as_user(daily).get(SETTINGS).json() == {"email": "daily"}

    submit(as_user(author), "一件目")
    submit(as_user(author), "二件目")
    send_outbox()
    to = sorted(m["To"].addresses[0].addr_spec for m in inbox.take())
    assert to == [immediate.email, immediate.email]
    # Everyone has both notices in the app.
    with mail.with_settings(Session(db_engine), mail_settings) as session:
        for user in (daily, off, immediate):
            rows = session.exec(select(Notification).where(Notification.user_id == user.id)).all()
            assert len(rows) == 2
            assert all(n.digest_pending == (user.id == daily.id) for n in rows)

        result = send_digests(session)
        assert (result.mails, result.notices) == (1, 2)
        assert send_digests(session).mails == 0  # each notice in one digest only
    send_outbox()
    (digest,) = inbox.take()
    assert digest["To"].addresses[0].addr_spec == daily.email
    assert str(digest["Subject"]) == "【業務改善提案】本日のお知らせ（2件）"
    text = digest.get_content()
    assert "「一件目」" in text and "「二件目」" in text
    assert text.index("「一件目」") < text.index("「二件目」")


def test_a_digest_skips_who_turned_mail_off_meanwhile(
    team, as_user, db_engine, send_outbox, inbox, mail_settings
):
    author, daily, _off, _immediate = team
    as_user(daily).put(SETTINGS, json={"email": "daily"})
    submit(as_user(author))
    as_user(daily).put(SETTINGS, json={"email": "off"})
    with mail.with_settings(Session(db_engine), mail_settings) as session:
        assert send_digests(session).mails == 0
        pending = session.exec(select(Notification).where(col(Notification.digest_pending)))
        assert pending.all() == []
    send_outbox()
    assert daily.email not in {m["To"].addresses[0].addr_spec for m in inbox.take()}


@pytest.mark.parametrize(
    "body", [{"email": "weekly"}, {"email": None}, {}, {"email": "daily", "extra": 1}, []]
)
def test_a_bad_setting_is_422_and_changes_nothing(team, as_user, body) -> None:
    _author, daily, _off, _immediate = team
    client = as_user(daily)
    response = client.put(SETTINGS, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert client.get(SETTINGS).json() == {"email": "immediate"}


def test_the_setting_is_ones_own(team, mail_app) -> None:
    from fastapi.testclient import TestClient

    with TestClient(mail_app) as anonymous:
        assert anonymous.get(SETTINGS).status_code == 401
        assert anonymous.put(SETTINGS, json={"email": "off"}).status_code == 401


def test_the_account_page_sets_it(team, page_as) -> None:
    _author, daily, _off, _immediate = team
    page = page_as(daily)
    html = page.get("/account").text
    assert 'name="email" value="immediate" checked' in html
    response = page.post_form("/account/notifications", {"email": "daily"})
    assert response.status_code in (200, 303), response.text
    html = page.get("/account").text
    assert 'name="email" value="daily" checked' in html
    page.post_form("/account/notifications", {"email": "sometimes"})
    assert 'name="email" value="daily" checked' in page.get("/account").text


def test_the_commands_send_the_digest(team, as_user, settings, inbox, monkeypatch, capsys):
    """`python -m app send-digests` from cron queues the digests; `deliver-webhooks` (or the
    server's thread) sends them."""
    from app import __main__ as cli
    from app.config import get_settings

    author, daily, _off, _immediate = team
    as_user(daily).put(SETTINGS, json={"email": "daily"})
    submit(as_user(author))
    for name, value in {
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key or "",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(inbox.port),
        "PUBLIC_BASE_URL": "https://teian.town.example.lg.jp",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        assert cli.main(["deliver-webhooks"]) == 0
        inbox.take()  # the immediate ones
        assert cli.main(["send-digests"]) == 0
        assert "digests queued: 1 mails with 1 notices" in capsys.readouterr().out
        assert cli.main(["deliver-webhooks"]) == 0
        assert "1 delivered" in capsys.readouterr().out
        (digest,) = inbox.take()
        assert digest["To"].addresses[0].addr_spec == daily.email
        assert cli.main(["send-digests"]) == 0
        assert "digests queued: 0 mails" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
