"""Settings, read from the environment (and an optional `.env` file)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "change-me-insecure-development-key"
DEFAULT_AWARDS = {
    "grand": "最優秀賞",
    "excellent": "優秀賞",
    "merit": "佳作",
    "encouragement": "奨励賞",
}


class Settings(BaseSettings):
    """Every setting of the service. Environment variables use the upper-case names."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{BASE_DIR / 'data' / 'app.db'}"
    secret_key: str = DEFAULT_SECRET_KEY
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

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> "Settings":
        if (
            self.environment == "production"
            and not self.demo
            and self.secret_key == DEFAULT_SECRET_KEY
        ):
            raise ValueError(
                "SECRET_KEY is still the development default; set a long random value "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if self.environment == "production" and len(self.secret_key) < 32 and not self.demo:
            raise ValueError("SECRET_KEY must be at least 32 characters in production")
        return self

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


@lru_cache
def get_settings() -> Settings:
    return Settings()
