"""load the DX plan's 12 initiatives from app/data/dx_initiatives.json

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import json
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DATA = Path(__file__).resolve().parents[2] / "app" / "data" / "dx_initiatives.json"

initiative = sa.table(
    "initiative",
    sa.column("id", sa.Integer),
    sa.column("number", sa.Integer),
    sa.column("title", sa.String),
    sa.column("title_en", sa.String),
    sa.column("summary", sa.String),
    sa.column("schedule", sa.JSON),
)


def upgrade() -> None:
    plan = json.loads(DATA.read_text(encoding="utf-8"))
    rows = [
        {
            "id": item["number"],
            "number": item["number"],
            "title": item["title"],
            "title_en": item.get("title_en", ""),
            "summary": item["summary"],
            "schedule": item.get("schedule", []),
        }
        for item in plan["initiatives"]
    ]
    op.bulk_insert(initiative, rows)
    if op.get_bind().dialect.name == "postgresql":
        # ids were given explicitly; move the sequence past them.
        op.execute(
            "SELECT setval(pg_get_serial_sequence('initiative', 'id'), "
            "(SELECT MAX(id) FROM initiative))"
        )


def downgrade() -> None:
    op.execute(initiative.delete())
