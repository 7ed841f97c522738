"""Webhooks (API.md "Webhooks", docs/webhooks.md): subscriptions of other systems to the
proposals' status changes, and the outbox of deliveries to them. A delivery is a row
written in the same transaction as the change it reports, so none is lost to a crash or
a restart and none is sent for a change that was rolled back."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator
from sqlalchemy import JSON, ForeignKey, Integer
from sqlmodel import Column, Field, SQLModel

from app.i18n import N_
from app.models.types import Line, ModelConfig, UTCDateTime, utcnow

URL_SCHEME = N_("URL は http:// または https:// で始まる、ホスト名のあるものにしてください。")
URL_CREDENTIALS = N_("URL に利用者名やパスワードを含めることはできません。")


def _check_url(value: str) -> str:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 — raises ValueError on a port that is no number
    except ValueError:
        raise ValueError(URL_SCHEME) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(URL_SCHEME)
    if parts.username is not None or parts.password is not None:
        raise ValueError(URL_CREDENTIALS)
    return value


WebhookUrl = Annotated[
    Line,
    AfterValidator(_check_url),
    Field(
        max_length=2000,
        description="http:// or https:// URL the deliveries are POSTed to",
        schema_extra={"json_schema_extra": {"pattern": r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@]+"}},
    ),
]


class WebhookEvent(StrEnum):
    status_changed = "proposal.status_changed"  # every lifecycle action
    all = "*"


class Webhook(SQLModel, table=True):
    """A subscription: where to POST which events, signed with which secret."""

    __tablename__ = "webhook"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Kept in clear: the service needs it to sign each delivery. Shown once, at creation.
    secret: str = Field(max_length=200)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("user.id", ondelete="SET NULL"), nullable=True),
    )


class Channel(StrEnum):
    """What an outbox row is sent through."""

    webhook = "webhook"  # POSTed to its webhook's url
    mail = "mail"  # mailed through the SMTP relay (docs/mail.md)


class WebhookDelivery(SQLModel, table=True):
    """The outbox: one webhook event for one webhook, or one mail for one person — the row
    the deliverers claim, send and update (the table keeps its first name, webhook_delivery).

    Due while `next_attempt_at` is set and not in the future; delivered once
    `delivered_at` is set; given up when neither is set after its last attempt. While a
    deliverer sends it, `locked_until` holds other deliverers off and `locked_by` names
    the claim, so only that deliverer records the outcome."""

    __tablename__ = "webhook_delivery"

    id: str = Field(primary_key=True, max_length=36)  # a uuid: X-Teian-Delivery
    channel: str = Field(default=Channel.webhook.value, max_length=10)
    # Set for a webhook row, None for a mail.
    webhook_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("webhook.id", ondelete="CASCADE"), index=True, nullable=True
        ),
    )
    event: str = Field(max_length=60)
    # The body exactly as sent (serialised the same way on every attempt); for a mail its
    # recipient, subject and text.
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    attempts: int = 0
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=500)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    locked_by: str | None = Field(default=None, max_length=32)


class WebhookCreate(SQLModel):
    """A new subscription; a secret is generated when none is given."""

    model_config = ModelConfig(extra="forbid")

    url: WebhookUrl
    events: list[WebhookEvent] = Field(min_length=1, max_length=len(WebhookEvent))
    secret: Line | None = Field(
        default=None,
        min_length=16,
        max_length=200,
        description="the HMAC-SHA256 key of X-Teian-Signature (16–200 characters)",
    )


class WebhookPublic(SQLModel):
    """A subscription as listed: never with its secret."""

    id: int
    url: str
    events: list[str]
    active: bool
    created_at: datetime


class WebhookCreated(WebhookPublic):
    """The answer to a creation: the only one that shows the secret."""

    secret: str


class DeliveryPublic(SQLModel):
    """One delivery; `id` is its uuid, the X-Teian-Delivery header."""

    id: str
    event: str
    status_code: int | None
    attempts: int
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    error: str | None
    created_at: datetime
