"""execution: milestones, progress updates, reminders sent; start and completion on proposal

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 06:25:28.893259
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.services.search import sqlite_restore_trigger_ddl

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_milestone_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposal.id"],
            name=op.f("fk_milestone_proposal_id_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone")),
    )
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestone_proposal_id"), ["proposal_id"], unique=False)

    op.create_table(
        "progress_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user.id"], name=op.f("fk_progress_update_author_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposal.id"],
            name=op.f("fk_progress_update_proposal_id_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_update")),
    )
    with op.batch_alter_table("progress_update", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_progress_update_proposal_id"), ["proposal_id"], unique=False
        )

    op.create_table(
        "reminder_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposal.id"],
            name=op.f("fk_reminder_sent_proposal_id_proposal"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_sent")),
        sa.UniqueConstraint("key", name=op.f("uq_reminder_sent_key")),
    )
    with op.batch_alter_table("reminder_sent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reminder_sent_proposal_id"), ["proposal_id"], unique=False
        )

    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("budget_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("planned_end_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("completion_report", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("actual_cost_yen", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("actual_hours_saved_per_year_hours", sa.Float(), nullable=True)
        )
        batch_op.add_column(sa.Column("actual_savings_yen_per_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("effect_measured_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("progress_percent", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("open_due_date", sa.Date(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_proposal_open_due_date"), ["open_due_date"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_proposal_owner_id_user"), "user", ["owner_id"], ["id"]
        )
    _restore_search_triggers()
    # Each proposal's copy of its current (newest) budget record's status.
    op.execute(
        "UPDATE proposal SET budget_status = (SELECT b.status FROM budget_record b"
        " WHERE b.proposal_id = proposal.id ORDER BY b.id DESC LIMIT 1)"
    )


def downgrade() -> None:
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_proposal_owner_id_user"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_proposal_open_due_date"))
        batch_op.drop_column("open_due_date")
        batch_op.drop_column("progress_percent")
        batch_op.drop_column("effect_measured_on")
        batch_op.drop_column("actual_savings_yen_per_year")
        batch_op.drop_column("actual_hours_saved_per_year_hours")
        batch_op.drop_column("actual_cost_yen")
        batch_op.drop_column("completion_report")
        batch_op.drop_column("started_at")
        batch_op.drop_column("planned_end_date")
        batch_op.drop_column("owner_id")
        batch_op.drop_column("budget_status")
    _restore_search_triggers()

    with op.batch_alter_table("reminder_sent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_sent_proposal_id"))

    op.drop_table("reminder_sent")
    with op.batch_alter_table("progress_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progress_update_proposal_id"))

    op.drop_table("progress_update")
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestone_proposal_id"))

    op.drop_table("milestone")


def _restore_search_triggers() -> None:
    """SQLite rebuilds `proposal` in batch mode, which drops the search triggers of 0004."""
    if op.get_bind().dialect.name == "sqlite":
        for statement in sqlite_restore_trigger_ddl():
            op.execute(statement)
