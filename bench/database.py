"""The benchmarks' database: fresh, migrated, with the demo accounts; and the planner's
statistics refreshed after a bulk load."""

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session


def fresh_database(settings) -> Engine:
    """An engine on a migrated database holding only the demo data. On PostgreSQL the
    database's public schema is DROPPED and re-created."""
    from app.db import make_engine
    from app.demo import load_demo
    from app.migrate import upgrade_head

    engine = make_engine(settings)
    if not settings.is_sqlite:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    with engine.begin() as connection:
        upgrade_head(connection)
    with Session(engine) as session:
        load_demo(session)
    return engine


def analyse(engine: Engine) -> None:
    """ANALYZE (SQLite) or VACUUM ANALYZE (PostgreSQL), as after any bulk load."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
