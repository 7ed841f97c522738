"""Search: short terms served by an index (SQLite FTS vocabulary, PostgreSQL bigrams)

SQLite: the FTS rows gain two line feeds after the title and the body (FTS_END, so
every character of a text begins a trigram) and the table a vocabulary (proposal_fts_vocab)
from which a short term's trigrams are read (see app/services/search.py). The table and its
triggers are re-created and refilled. PostgreSQL: a GIN index over the bigrams of
proposal.search_text (the function proposal_bigrams), serving 2-character terms.

Revision ID: 0017_search
Revises: 0016_notice
Create Date: 2026-12-01 20:10:00
"""

from collections.abc import Sequence

from alembic import op

from app.services.search import (
    pg_bigram_ddl,
    pg_bigram_drop_ddl,
    sqlite_backfill,
    sqlite_drop_ddl,
    sqlite_search_ddl,
)

revision: str = "0017_search"
down_revision: str | None = "0016_notice"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _run(statements: list[str]) -> None:
    # Straight to the driver: the fold's SQL holds characters such as ':' and '?'.
    connection = op.get_bind()
    for statement in statements:
        connection.exec_driver_sql(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run([*sqlite_drop_ddl(), *sqlite_search_ddl(), *sqlite_backfill()])
    elif dialect == "postgresql":
        _run(pg_bigram_ddl())


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        statements = sqlite_search_ddl(end=False)
        _run([*sqlite_drop_ddl(), *statements[:1], *statements[2:], *sqlite_backfill(end=False)])
    elif dialect == "postgresql":
        _run(pg_bigram_drop_ddl())
