"""budget records

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 05:00:53.383868
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "budget_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("budget_type", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("requested_yen", sa.Integer(), nullable=True),
        sa.Column("approved_yen", sa.Integer(), nullable=True),
        sa.Column("account", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("funding_source", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["user.id"], name=op.f("fk_budget_record_decided_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposal.id"], name=op.f("fk_budget_record_proposal_id_proposal")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_record")),
    )
    with op.batch_alter_table("budget_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_record_fiscal_year"), ["fiscal_year"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_budget_record_proposal_id"), ["proposal_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_budget_record_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("budget_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_record_status"))
        batch_op.drop_index(batch_op.f("ix_budget_record_proposal_id"))
        batch_op.drop_index(batch_op.f("ix_budget_record_fiscal_year"))

    op.drop_table("budget_record")
