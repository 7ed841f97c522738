"""user.employee_number: the 職員番号 the staff roster import matches people by

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column and a unique index: both are plain ALTERs on SQLite as well, so the
    # user table (which many others refer to) is not rebuilt.
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("employee_number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_user_employee_number"), ["employee_number"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_employee_number"))
        batch_op.drop_column("employee_number")
