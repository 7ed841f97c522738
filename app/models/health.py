"""The answer of GET /api/v1/health."""

from typing import Literal

from sqlmodel import SQLModel


class HealthPublic(SQLModel):
    """`{"status": "ok", "database": "ok"}`, or with 503 `error` and `unreachable`."""

    status: Literal["ok", "error"]
    database: Literal["ok", "unreachable"]
