"""Japanese full-text search (SQLite FTS5 trigram, PostgreSQL pg_trgm)

SQLite: the proposal_fts table, its triggers and a backfill; PostgreSQL: the pg_trgm
extension, the generated column proposal.search_text and two GIN trigram indexes.
See app/services/search.py.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.services.search import (
    pg_drop_ddl,
    pg_search_ddl,
    sqlite_backfill,
    sqlite_drop_ddl,
    sqlite_search_ddl,
)

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _run(statements: list[str]) -> None:
    # Straight to the driver: the fold's SQL holds characters such as ':' and '?'.
    connection = op.get_bind()
    for statement in statements:
        connection.exec_driver_sql(statement)


def _trgm_opclass(connection: sa.Connection) -> str:
    """gin_trgm_ops qualified by the schema pg_trgm lives in (which need not be on the
    search path, e.g. when it was installed earlier in another schema)."""
    schema = connection.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
        )
    ).scalar_one()
    return f"{connection.dialect.identifier_preparer.quote_identifier(schema)}.gin_trgm_ops"


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        _run([*sqlite_search_ddl(), *sqlite_backfill()])
    elif connection.dialect.name == "postgresql":
        # A trusted extension: the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        _run(pg_search_ddl(_trgm_opclass(connection)))


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        _run(sqlite_drop_ddl())
    elif connection.dialect.name == "postgresql":
        # The extension stays: it is database-wide and other schemas may use it.
        _run(pg_drop_ddl())
