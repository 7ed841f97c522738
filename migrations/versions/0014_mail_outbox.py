"""The outbox carries mail too (webhook_delivery.channel, webhook_id nullable); each
person's e-mail notification setting; notifications waiting for the daily digest;
invitations to set a password

Revision ID: 0014_mail
Revises: 0013_perf
Create Date: 2026-12-01 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014_mail"
down_revision: str | None = "0013_perf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The webhook rows already there stay as they are, now marked channel "webhook".
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "channel",
                sqlmodel.sql.sqltypes.AutoString(length=10),
                nullable=False,
                server_default="webhook",
            )
        )
        batch_op.alter_column("webhook_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "notification_email",
                sqlmodel.sql.sqltypes.AutoString(length=10),
                nullable=False,
                server_default="immediate",
            )
        )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("digest_pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(
            batch_op.f("ix_notification_digest_pending"), ["digest_pending"], unique=False
        )

    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitation_token_hash"), ["token_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_invitation_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitation_user_id"))
        batch_op.drop_index(batch_op.f("ix_invitation_token_hash"))
    op.drop_table("invitation")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_digest_pending"))
        batch_op.drop_column("digest_pending")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("notification_email")
    op.execute("DELETE FROM webhook_delivery WHERE channel <> 'webhook'")
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.alter_column("webhook_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("channel")
