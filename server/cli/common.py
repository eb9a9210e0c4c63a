"""Options and helpers shared by the server commands: the instance folder, the database, and
errors printed as one line for the person at the terminal.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import click

from server import config as cfg
from server.db import Database

instance_option = click.option(
    "--instance", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Instance folder (SQLite file, secret key, exercise snapshots). "
         "Default: $TRACEGRADE_INSTANCE, else ./instance.")


def resolve_instance(instance: Path | None) -> Path:
    return cfg.instance_dir(instance)


@contextmanager
def database(instance: Path):
    """The instance's database, which must have been migrated."""
    db = Database(cfg.database_url(instance))
    try:
        yield db
    finally:
        db.dispose()


def require_schema(instance: Path) -> None:
    from server.migrate import current
    if current(cfg.database_url(instance)) is None:
        raise click.ClickException(f"The database in {instance} has no tables yet. "
                                   f"Run `tracegrade db upgrade` first.")
