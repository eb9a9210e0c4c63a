"""Schema migrations through Alembic, driven from code: `upgrade(url)` brings a database to the
newest revision in migrations/ (used by `tracegrade db upgrade`, `serve` and the tests).
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    if not (MIGRATIONS / "env.py").is_file():
        raise FileNotFoundError(f"Alembic migrations not found at {MIGRATIONS}; run tracegrade "
                                f"from a checkout of the project (pip install -e .).")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
