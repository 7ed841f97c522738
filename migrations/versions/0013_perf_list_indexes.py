"""Indexes for the proposal lists: newest-first order, the visibility count, year and status

See docs/benchmarks.md: with 100,000 proposals the list sorted every visible row for each
page and counted them through three indexes.

Revision ID: 0013_perf
Revises: 0012
Create Date: 2026-12-01 13:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_perf"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_proposal_updated_at_id": ["updated_at", "id"],
    "ix_proposal_status_author_id": ["status", "author_id"],
    "ix_proposal_fiscal_year_status": ["fiscal_year", "status"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "proposal", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="proposal")
