"""The application's Japanese text index: proposal_term and proposal_term_count, filled
from every proposal's texts

Revision ID: 0015_text
Revises: 0014_mail
Create Date: 2026-12-01 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_text"
down_revision: str | None = "0014_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXTS = ("summary", "current_situation", "proposal_text", "expected_effect")


def upgrade() -> None:
    term = op.create_table(
        "proposal_term",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("word", sa.String(length=100), nullable=False),
        sa.Column("title_weight", sa.Float(), nullable=False),
        sa.Column("body_weight", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposal.id"],
            name=op.f("fk_proposal_term_proposal_id_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("proposal_id", "term", name=op.f("pk_proposal_term")),
    )
    op.create_index("ix_proposal_term_term_proposal_id", "proposal_term", ["term", "proposal_id"])
    op.create_table(
        "proposal_term_count",
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("proposals", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_proposal_term_count")),
    )
    # Analyse the proposals already there (the analyser is the application's own).
    from app.services.text_index import features, term_rows

    bind = op.get_bind()
    proposal = sa.table("proposal", *(sa.column(n) for n in ("id", "title", *TEXTS)))
    rows = bind.execute(sa.select(proposal)).mappings().all()
    batch: list[dict] = []
    for row in rows:
        found = features(row["title"] or "", (row[name] or "" for name in TEXTS))
        batch.extend(term_rows(row["id"], found))
        if len(batch) > 5000:
            op.bulk_insert(term, batch)
            batch = []
    if batch:
        op.bulk_insert(term, batch)
    op.execute(
        "INSERT INTO proposal_term_count (term, proposals) "
        "SELECT term, count(*) FROM proposal_term GROUP BY term"
    )


def downgrade() -> None:
    op.drop_table("proposal_term_count")
    op.drop_index("ix_proposal_term_term_proposal_id", table_name="proposal_term")
    op.drop_table("proposal_term")
