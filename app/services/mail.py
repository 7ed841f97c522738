"""E-mail (docs/mail.md): what a person is told in the app, also mailed through the town's
relay. A mail is an outbox row (channel "mail") written in the same transaction as the
notice, and sent by the outbox deliverer (app/services/webhook_delivery.py) — once, retried
while the relay is down, never while a request waits. Off while SMTP_HOST is empty.

The subject is Japanese, encoded by the stdlib `email` package as RFC 2047 encoded-words;
the body is plain UTF-8 text."""

import smtplib
import ssl
import uuid
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session

from app.config import Settings, get_settings
from app.i18n import N_
from app.models import Proposal, User, WebhookDelivery
from app.models.types import utcnow
from app.models.webhook import Channel

TIMEOUT_SECONDS = 30
SUBJECT_PREFIX = N_("【業務改善提案】")
GREETING = N_("%(name)s 様")
NUMBER = N_("提案番号: %(number)s")
NO_NUMBER = N_("（受理前のため未採番）")
PROPOSAL = N_("件名: %(title)s")
NEXT_STEP = N_("次にすること: %(step)s")
LINK = N_("詳しくはこちら: %(url)s")
FOOTER = N_(
    "このメールは業務改善提案システムから自動で送信しています。"
    "メールの受け取り方はアカウント画面で変えられます: %(url)s"
)
DIGEST_SUBJECT = N_("本日のお知らせ（%(count)s件）")
DIGEST_INTRO = N_("業務改善提案システムの、まだメールでお送りしていないお知らせです。")
SMTP_OFF = "SMTP_HOST not set"


def settings_of(session: Session) -> Settings:
    """The settings the session works under: the app puts its own on every session it
    opens (deps.get_session, the commands); a bare session reads the environment's."""
    return session.info.get("settings") or get_settings()


def with_settings(session: Session, settings: Settings) -> Session:
    session.info["settings"] = settings
    return session


def enabled(config: Settings) -> bool:
    return bool(config.smtp_host.strip())


def link(config: Settings, path: str) -> str:
    return config.public_base_url.rstrip("/") + path


def proposal_path(proposal_id: int | None) -> str:
    return f"/proposals/{proposal_id}" if proposal_id else "/notifications"


def compose(
    config: Settings,
    user: User,
    *,
    title: str,
    body: str = "",
    next_step: str = "",
    proposal: Proposal | None = None,
) -> str:
    """The plain-text mail for one notice: number, title, what happened, what to do next
    and the link."""
    lines = [GREETING % {"name": user.name}, "", title, ""]
    if proposal is not None:
        lines.append(NUMBER % {"number": proposal.number or NO_NUMBER})
        lines.append(PROPOSAL % {"title": proposal.title})
        lines.append("")
    if body.strip():
        lines += [body.strip(), ""]
    if next_step:
        lines += [NEXT_STEP % {"step": next_step}, ""]
    lines.append(LINK % {"url": link(config, proposal_path(proposal.id if proposal else None))})
    lines += ["", "--", FOOTER % {"url": link(config, "/account")}]
    return "\n".join(lines) + "\n"


def compose_digest(config: Settings, user: User, items: list[tuple[Any, Proposal | None]]) -> str:
    """The day's notices (Notification rows with their proposals) in one text."""
    lines = [GREETING % {"name": user.name}, "", DIGEST_INTRO, ""]
    for notification, proposal in items:
        lines.append("■ " + notification.title)
        if proposal is not None:
            lines.append("  " + NUMBER % {"number": proposal.number or NO_NUMBER})
        if notification.body.strip():
            lines += ["  " + line for line in notification.body.strip().splitlines()]
        lines += ["  " + link(config, proposal_path(notification.proposal_id)), ""]
    lines += ["--", FOOTER % {"url": link(config, "/account")}]
    return "\n".join(lines) + "\n"


def enqueue(session: Session, *, user: User, event: str, subject: str, text: str) -> None:
    """One mail to `user`, due now; the caller commits it with the change it reports."""
    now = utcnow()
    delivery_id = str(uuid.uuid4())
    sender = settings_of(session).mail_from.rpartition("@")[2]
    domain = urlsplit(f"//{sender}").hostname or "localhost"
    session.add(
        WebhookDelivery(
            id=delivery_id,
            channel=Channel.mail.value,
            event=event[:60],
            payload={
                "to": user.email,
                "name": user.name,
                "subject": SUBJECT_PREFIX + subject,
                "text": text,
                # The same on every attempt: a receiver can tell a resend after a crash.
                "message_id": make_msgid(idstring=delivery_id.replace("-", ""), domain=domain),
            },
            next_attempt_at=now,
            created_at=now,
        )
    )


def message_of(payload: dict[str, Any], config: Settings) -> EmailMessage:
    message = EmailMessage()  # the default policy: RFC 2047 for non-ASCII headers
    message["Subject"] = payload["subject"]
    message["From"] = config.mail_from
    message["To"] = Address(display_name=payload.get("name") or "", addr_spec=payload["to"])
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = payload["message_id"]
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(payload["text"], charset="utf-8", cte="base64")
    return message


def send(payload: dict[str, Any], config: Settings) -> str | None:
    """Hands one mail to the relay; None when it took it, else the error."""
    if not config.smtp_host.strip():
        return SMTP_OFF
    try:
        with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
            if config.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.smtp_username:
                smtp.login(config.smtp_username, config.smtp_password)
            smtp.send_message(message_of(payload, config))
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    return None
