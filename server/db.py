"""The database handle shared by the web app, the worker and the CLI: one engine, one session
factory, SQLite tuned for concurrent writers (WAL, busy wait), PostgreSQL for reconnects.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Callable, Iterator

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

UNAVAILABLE = ("The database is not answering right now, so nothing was saved. Wait a minute "
               "and try again.")
CONNECT_TIMEOUT = 5          # seconds a PostgreSQL connection attempt may take


def utcnow() -> datetime:
    """Naive UTC (SQLite keeps no time zone; every timestamp in the database is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def isoformat(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


class Database:
    """An engine and its session factory. Creating one opens no connection."""

    def __init__(self, url: str):
        self.url = url
        kwargs: dict = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        elif url.startswith("postgresql"):
            # a connection the server dropped (a restart) is noticed before use, and a server
            # that is down fails within seconds instead of hanging a request
            kwargs.update(pool_pre_ping=True, pool_recycle=1800,
                          connect_args={"connect_timeout": CONNECT_TIMEOUT})
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error."""
        with self.sessions() as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


def is_unavailable(exc: BaseException) -> bool:
    """True for errors that mean "the database server cannot be reached" (not a bad query)."""
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def schema_revision(url: str) -> str | None:
    """The migrated revision, or None when the database has no tables yet (raises when the
    database cannot be reached)."""
    engine = create_engine(url, **({"connect_args": {"connect_timeout": CONNECT_TIMEOUT}}
                                   if url.startswith("postgresql") else {}))
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def wait_until_ready(url: str, say: Callable[[str], None], timeout: float | None = None,
                     first_delay: float = 1.0, max_delay: float = 30.0) -> bool:
    """Wait, retrying with backoff, until the database answers and has been migrated (a worker
    started before the database or the web). False when `timeout` seconds passed first."""
    deadline = None if timeout is None else time.monotonic() + timeout
    delay = first_delay
    while True:
        try:
            if schema_revision(url) is not None:
                return True
            why = "it has no tables yet (run `tracegrade db upgrade`, or start `tracegrade serve`)"
        except DBAPIError as e:
            why = f"it does not answer ({str(e.orig).strip().splitlines()[0][:200]})"
        if deadline is not None and time.monotonic() + delay > deadline:
            say(f"the database is not ready: {why}; giving up")
            return False
        say(f"the database is not ready: {why}; retrying in {delay:.0f} s")
        time.sleep(delay)
        delay = min(max_delay, delay * 2)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
