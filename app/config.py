"""Settings, read from the environment (and an optional `.env` file)."""

import os
import secrets
import time
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from app.i18n import N_

BASE_DIR = Path(__file__).resolve().parent.parent
# The key earlier versions shipped as a default. It is public, so it is refused everywhere.
PUBLIC_SECRET_KEYS = frozenset({"change-me-insecure-development-key"})
SECRET_KEY_MIN_LENGTH = 32
SECRET_KEY_FILE = "secret_key"
# N_: the default names are shown translated in English mode; names a town sets stay as set.
DEFAULT_AWARDS = {
    "grand": N_("最優秀賞"),
    "excellent": N_("優秀賞"),
    "merit": N_("佳作"),
    "encouragement": N_("奨励賞"),
}


class Settings(BaseSettings):
    """Every setting of the service. Environment variables use the upper-case names."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{BASE_DIR / 'data' / 'app.db'}"
    # Signs the session cookie. Unset outside production: a random key is generated on
    # first start and kept (mode 0600) in `secret_key` beside the SQLite database, or in
    # data/ for PostgreSQL. In production it must be set: the service refuses to start.
    secret_key: str | None = None
    demo: bool = False

    # Sessions (docs/security.md): a sign-in ends after this long without a request
    # (idle) and after the absolute lifetime however active it is; API bearer tokens
    # live for token_lifetime_minutes. All are rows in the database, so revocable.
    session_lifetime_minutes: int = Field(default=480, ge=5)
    session_absolute_lifetime_hours: int = Field(default=24, ge=1, le=24 * 30)
    token_lifetime_minutes: int = Field(default=60, ge=1)
    # The cookie is Secure whenever the request came over HTTPS (behind a proxy too, with
    # uvicorn's --proxy-headers); this forces it on for every request.
    session_cookie_secure: bool = False
    session_cookie_name: str = "teian_session"

    # Sign-in throttling (docs/security.md): this many free failures per account and
    # address pair, then a delay that doubles with each further failure, up to the window.
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_failure_window_minutes: int = Field(default=15, ge=1)
    password_min_length: int = Field(default=12, ge=8, le=128)

    upload_dir: Path = BASE_DIR / "data" / "uploads"
    upload_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    # Every other request body (JSON, forms) is refused with 413 past this size.
    request_max_bytes: int = Field(default=1024 * 1024, ge=1024)

    # Figures shown to anyone but the secretariat, and the open data, merge departments
    # with fewer active staff than this into 「その他」, so that nobody is named by
    # inference from a one- or two-person department.
    small_group_min_staff: int = Field(default=3, ge=1, le=100)

    default_locale: Literal["ja", "en"] = "ja"

    # Review and decision (DESIGN.md "Review and decision").
    blind_review: bool = True
    review_exclude_same_department: bool = True
    review_spread_margin: float = Field(default=20.0, ge=0, le=100)
    decision_requires_review: bool = True
    # Award codes and their Japanese names, in rank order (JSON in the environment).
    awards: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_AWARDS))

    # Budgeting: initial-budget (当初予算) requests for fiscal year N are due on this day
    # (MM-DD) of year N-1.
    budget_request_deadline: str = Field(default="11-30", pattern=r"^\d{2}-\d{2}$")

    # Execution and effects: what one staff hour costs (人件費換算単価, yen), used to turn
    # hours saved into yen wherever totals are shown; reminders go out this many days
    # before a milestone is due.
    hourly_staff_cost_yen: int = Field(default=4000, ge=0, le=100_000)
    reminder_days_ahead: int = Field(default=7, ge=1, le=60)

    # Open data (/open-data): the licence the dataset is published under, and the
    # publisher's name and 全国地方公共団体コード (6 digits with the check digit), which
    # lead every row as in the 自治体標準オープンデータセット.
    open_data_licence: str = "CC BY 4.0"
    open_data_licence_url: str = "https://creativecommons.org/licenses/by/4.0/deed.ja"
    open_data_municipality_name: str = "奈義町"
    open_data_municipality_code: str = Field(default="336238", pattern=r"^\d{6}$")

    # Webhooks (docs/webhooks.md): every worker runs a deliverer thread polling the outbox
    # every webhook_poll_seconds (off: only `python -m app deliver-webhooks` sends). A
    # failed delivery is retried after base × 3^(n−1) seconds, up to max attempts in all.
    # Subscriptions may only point at the comma-separated hosts (empty: anywhere).
    webhook_delivery_enabled: bool = True
    webhook_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    webhook_retry_base_seconds: float = Field(default=10.0, gt=0, le=3600)
    webhook_max_attempts: int = Field(default=5, ge=5, le=20)
    webhook_allowed_hosts: str = ""

    # E-mail (docs/mail.md): what a person is told in the app is also mailed through this
    # relay (LGWAN mail), sent from the same outbox as the webhooks; off while smtp_host is
    # empty. public_base_url builds the links in the mails (https://teian.example.lg.jp).
    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = "teian@localhost"
    public_base_url: str = "http://localhost:8000"

    @model_validator(mode="after")
    def _check_secret(self) -> "Settings":
        if self.secret_key in PUBLIC_SECRET_KEYS:
            raise ValueError("SECRET_KEY is a publicly known value; set a long random one")
        if self.environment == "production":
            # Whatever DEMO says: a production service never signs with a guessable key.
            if not self.secret_key or len(self.secret_key) < SECRET_KEY_MIN_LENGTH:
                raise ValueError(
                    f"SECRET_KEY must be set to at least {SECRET_KEY_MIN_LENGTH} characters in "
                    "production (for example: python -c 'import secrets; "
                    "print(secrets.token_urlsafe(48))')"
                )
        elif not self.secret_key:
            self.secret_key = stored_secret_key(self.secret_key_path)
        return self

    @property
    def secret_key_path(self) -> Path:
        """Where a generated key is kept: beside the SQLite file, else in data/."""
        if self.is_sqlite:
            database = make_url(self.sqlalchemy_url).database
            if database and database != ":memory:" and not database.startswith("file:"):
                return Path(database).resolve().parent / SECRET_KEY_FILE
        return BASE_DIR / "data" / SECRET_KEY_FILE

    @property
    def sqlalchemy_url(self) -> str:
        """The URL with the psycopg 3 driver named, whatever form the operator wrote."""
        url = self.database_url
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")


def stored_secret_key(path: Path) -> str:
    """The key kept at `path`, created (random, file mode 0600) on first use. Two workers
    starting at once agree: the file is created exclusively and the other one reads it."""
    for _ in range(100):
        try:
            key = path.read_text("utf-8").strip()
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            key = secrets.token_urlsafe(48)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(key + "\n")
            return key
        if len(key) >= SECRET_KEY_MIN_LENGTH:
            return key
        time.sleep(0.01)  # another worker has created it and is writing it
    raise ValueError(f"{path} does not hold a valid key; delete it to have a new one made")


@lru_cache
def get_settings() -> Settings:
    return Settings()
