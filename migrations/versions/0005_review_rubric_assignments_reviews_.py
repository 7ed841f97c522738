"""review: rubric, assignments, reviews, notifications, decisions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 04:38:03.410356
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from app.services.rubric import seed_default_rubric
from app.services.search import sqlite_restore_trigger_ddl

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rubric_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_rubric_version_created_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rubric_version")),
        sa.UniqueConstraint("version", name=op.f("uq_rubric_version_version")),
    )
    with op.batch_alter_table("rubric_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rubric_version_is_current"), ["is_current"], unique=False
        )

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposal.id"], name=op.f("fk_notification_proposal_id_proposal")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_notification_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notification_user_id"), ["user_id"], unique=False)

    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("rubric_version_id", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposal.id"], name=op.f("fk_review_proposal_id_proposal")
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["user.id"], name=op.f("fk_review_reviewer_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["rubric_version_id"],
            ["rubric_version.id"],
            name=op.f("fk_review_rubric_version_id_rubric_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review")),
        sa.UniqueConstraint(
            "proposal_id", "reviewer_id", name=op.f("uq_review_proposal_id_reviewer_id")
        ),
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_proposal_id"), ["proposal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_reviewer_id"), ["reviewer_id"], unique=False)

    op.create_table(
        "review_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("recused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recusal_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"], ["user.id"], name=op.f("fk_review_assignment_assigned_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposal.id"], name=op.f("fk_review_assignment_proposal_id_proposal")
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["user.id"], name=op.f("fk_review_assignment_reviewer_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_assignment")),
        sa.UniqueConstraint(
            "proposal_id", "reviewer_id", name=op.f("uq_review_assignment_proposal_id_reviewer_id")
        ),
    )
    with op.batch_alter_table("review_assignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_assignment_proposal_id"), ["proposal_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_review_assignment_reviewer_id"), ["reviewer_id"], unique=False
        )

    op.create_table(
        "rubric_criterion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rubric_version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rubric_version_id"],
            ["rubric_version.id"],
            name=op.f("fk_rubric_criterion_rubric_version_id_rubric_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rubric_criterion")),
        sa.UniqueConstraint(
            "rubric_version_id", "code", name=op.f("uq_rubric_criterion_rubric_version_id_code")
        ),
    )
    with op.batch_alter_table("rubric_criterion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rubric_criterion_rubric_version_id"), ["rubric_version_id"], unique=False
        )

    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("score", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("reviews_in", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("reviewers_assigned", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("needs_discussion", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True)
        )
        batch_op.add_column(sa.Column("decision_reason", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("award", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True)
        )
        batch_op.add_column(sa.Column("implementing_department_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("target_hours_saved_per_year_hours", sa.Float(), nullable=True)
        )
        batch_op.add_column(sa.Column("target_savings_yen_per_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decided_by_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_proposal_implementing_department_id"),
            ["implementing_department_id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_proposal_implementing_department_id_department"),
            "department",
            ["implementing_department_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_proposal_decided_by_id_user"), "user", ["decided_by_id"], ["id"]
        )
    _restore_search_triggers()
    _seed_default_rubric()


def downgrade() -> None:
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_proposal_decided_by_id_user"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_proposal_implementing_department_id_department"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_proposal_implementing_department_id"))
        batch_op.drop_column("decided_by_id")
        batch_op.drop_column("target_savings_yen_per_year")
        batch_op.drop_column("target_hours_saved_per_year_hours")
        batch_op.drop_column("implementing_department_id")
        batch_op.drop_column("award")
        batch_op.drop_column("decision_reason")
        batch_op.drop_column("outcome")
        batch_op.drop_column("needs_discussion")
        batch_op.drop_column("reviewers_assigned")
        batch_op.drop_column("reviews_in")
        batch_op.drop_column("score")
    _restore_search_triggers()

    with op.batch_alter_table("rubric_criterion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rubric_criterion_rubric_version_id"))

    op.drop_table("rubric_criterion")
    with op.batch_alter_table("review_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_assignment_reviewer_id"))
        batch_op.drop_index(batch_op.f("ix_review_assignment_proposal_id"))

    op.drop_table("review_assignment")
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_reviewer_id"))
        batch_op.drop_index(batch_op.f("ix_review_proposal_id"))

    op.drop_table("review")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_user_id"))
        batch_op.drop_index(batch_op.f("ix_notification_created_at"))

    op.drop_table("notification")
    with op.batch_alter_table("rubric_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rubric_version_is_current"))

    op.drop_table("rubric_version")


def _restore_search_triggers() -> None:
    """SQLite rebuilds `proposal` in batch mode, which drops the search triggers of 0004."""
    if op.get_bind().dialect.name == "sqlite":
        for statement in sqlite_restore_trigger_ddl():
            op.execute(statement)


def _seed_default_rubric() -> None:
    """The default rubric of DESIGN.md as version 1 (the secretariat edits it later)."""
    seed_default_rubric(op.get_bind())
