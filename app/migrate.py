"""Running Alembic from code (the CLI, start-up in Docker, the tests), and the filter that
keeps autogenerate's comparison to what the models describe."""

from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from app.config import BASE_DIR
from app.services.search import (
    DATABASE_ONLY_COLUMNS,
    DATABASE_ONLY_INDEXES,
    DATABASE_ONLY_TABLE_PREFIX,
)


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config(str(BASE_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(BASE_DIR / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
        config.attributes["configure_logging"] = False
    return config


def upgrade_head(connection: Connection | None = None) -> None:
    """`alembic upgrade head` on the configured database (or on the given connection)."""
    command.upgrade(alembic_config(connection), "head")


def _database_only(name: str | None, type_: str, table: str | None = None) -> bool:
    if name is None:
        return False
    if type_ == "table":
        return name.startswith(DATABASE_ONLY_TABLE_PREFIX)
    if type_ == "index":
        return name in DATABASE_ONLY_INDEXES
    if type_ == "column":
        return (table, name) in DATABASE_ONLY_COLUMNS
    return False


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Autogenerate's name filter: skips what exists only in the database and never in the
    models (app/services/search.py): the FTS5 table with its shadow tables, PostgreSQL's
    generated search column and trigram indexes. Triggers are never compared."""
    table = (parent_names or {}).get("table_name")
    return not _database_only(name, type_, table)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to) -> bool:
    """The same filter on objects, for comparisons that do not apply include_name."""
    table = getattr(getattr(obj, "table", None), "name", None)
    return not (reflected and _database_only(name, type_, table))


# Options for MigrationContext.configure / context.configure (env.py and the drift test).
COMPARE_OPTIONS: dict[str, Any] = {
    "compare_type": True,
    "include_name": include_name,
    "include_object": include_object,
}
