"""Running Alembic from code (the CLI, start-up in Docker, the tests)."""

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from app.config import BASE_DIR


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
