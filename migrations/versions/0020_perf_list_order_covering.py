"""The order of the proposal lists with the columns visibility asks (status, author)

The deep page (`offset=1500`) walked the newest-first index and read each skipped row from
the table to test who may see it; with status and author_id in the index the rows skipped
are never read, and on PostgreSQL the page's ids come from an index-only scan. The index
replaces ix_proposal_updated_at_id, whose columns lead it.

Revision ID: 0020_lists
Revises: 0019_stats
Create Date: 2026-12-01 19:55:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020_lists"
down_revision: str | None = "0019_stats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = ("ix_proposal_updated_at_id_status_author", ["updated_at", "id", "status", "author_id"])
OLD = ("ix_proposal_updated_at_id", ["updated_at", "id"])


def upgrade() -> None:
    op.create_index(NEW[0], "proposal", NEW[1])
    op.drop_index(OLD[0], table_name="proposal")


def downgrade() -> None:
    op.create_index(OLD[0], "proposal", OLD[1])
    op.drop_index(NEW[0], table_name="proposal")
