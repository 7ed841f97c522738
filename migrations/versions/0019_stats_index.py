"""An index for the figures (/stats, the dashboard): a fiscal year's proposals with every
column the roll-ups read, so that they read the index alone

See docs/benchmarks.md: with 100,000 proposals the grouped queries read a fiscal year's
rows scattered through the whole table, once per grouping.

Revision ID: 0019_stats
Revises: 0017_search
Create Date: 2026-12-01 19:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019_stats"
down_revision: str | None = "0017_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As app/models/proposal.py's STATS_INDEX_COLUMNS.
COLUMNS = [
    "fiscal_year",
    "status",
    "initiative_id",
    "department_id",
    "kind",
    "author_id",
    "estimated_hours_saved_per_year_hours",
    "estimated_savings_yen_per_year",
    "target_hours_saved_per_year_hours",
    "target_savings_yen_per_year",
    "actual_hours_saved_per_year_hours",
    "actual_savings_yen_per_year",
    "actual_cost_yen",
    "submitted_at",
    "accepted_at",
    "decided_at",
    "started_at",
    "completed_at",
    "id",
]


def upgrade() -> None:
    op.create_index("ix_proposal_stats", "proposal", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_proposal_stats", table_name="proposal")
