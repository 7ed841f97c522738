"""proposals, rounds, co-authors, events, attachments

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 04:10:46.766552
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "proposal_counter",
        sa.Column("fiscal_year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_serial", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("fiscal_year", name=op.f("pk_proposal_counter")),
    )
    op.create_table(
        "round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("standing_fiscal_year", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round")),
        sa.UniqueConstraint("standing_fiscal_year", name=op.f("uq_round_standing_fiscal_year")),
    )
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_fiscal_year"), ["fiscal_year"], unique=False)

    op.create_table(
        "proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("current_situation", sa.Text(), nullable=False),
        sa.Column("proposal_text", sa.Text(), nullable=False),
        sa.Column("expected_effect", sa.Text(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("already_implemented", sa.Boolean(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=True),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("estimated_cost_yen", sa.Integer(), nullable=True),
        sa.Column("estimated_hours_saved_per_year_hours", sa.Float(), nullable=True),
        sa.Column("estimated_savings_yen_per_year", sa.Integer(), nullable=True),
        sa.Column("supervisor_opinion", sa.Text(), nullable=True),
        sa.Column("supervisor_opinion_by_id", sa.Integer(), nullable=True),
        sa.Column("supervisor_opinion_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user.id"], name=op.f("fk_proposal_author_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_proposal_department_id_department")
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"], ["initiative.id"], name=op.f("fk_proposal_initiative_id_initiative")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_proposal_round_id_round")
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_opinion_by_id"],
            ["user.id"],
            name=op.f("fk_proposal_supervisor_opinion_by_id_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal")),
        sa.UniqueConstraint("number", name=op.f("uq_proposal_number")),
    )
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_author_id"), ["author_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_proposal_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_proposal_fiscal_year"), ["fiscal_year"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_proposal_initiative_id"), ["initiative_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_proposal_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposal_status"), ["status"], unique=False)

    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("storage_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposal.id"], name=op.f("fk_attachment_proposal_id_proposal")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["user.id"], name=op.f("fk_attachment_uploaded_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("storage_name", name=op.f("uq_attachment_storage_name")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attachment_proposal_id"), ["proposal_id"], unique=False
        )

    op.create_table(
        "proposal_co_author",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposal.id"],
            name=op.f("fk_proposal_co_author_proposal_id_proposal"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_proposal_co_author_user_id_user")
        ),
        sa.PrimaryKeyConstraint("proposal_id", "user_id", name=op.f("pk_proposal_co_author")),
    )
    with op.batch_alter_table("proposal_co_author", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_co_author_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "proposal_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user.id"], name=op.f("fk_proposal_event_actor_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposal.id"], name=op.f("fk_proposal_event_proposal_id_proposal")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_event")),
    )
    with op.batch_alter_table("proposal_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_event_proposal_id"), ["proposal_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("proposal_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_event_proposal_id"))

    op.drop_table("proposal_event")
    with op.batch_alter_table("proposal_co_author", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_co_author_user_id"))

    op.drop_table("proposal_co_author")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_proposal_id"))

    op.drop_table("attachment")
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_status"))
        batch_op.drop_index(batch_op.f("ix_proposal_round_id"))
        batch_op.drop_index(batch_op.f("ix_proposal_initiative_id"))
        batch_op.drop_index(batch_op.f("ix_proposal_fiscal_year"))
        batch_op.drop_index(batch_op.f("ix_proposal_department_id"))
        batch_op.drop_index(batch_op.f("ix_proposal_author_id"))

    op.drop_table("proposal")
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_fiscal_year"))

    op.drop_table("round")
    op.drop_table("proposal_counter")
