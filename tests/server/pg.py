"""PostgreSQL for the tests: the server named by TRACEGRADE_TEST_POSTGRES_URL (.ci/run starts one
with scripts/pg-cluster.sh), a migrated template database, and a fresh copy of it per test.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.conftest import ROOT, require_service

ENV = "TRACEGRADE_TEST_POSTGRES_URL"
CLUSTER = ROOT / "scripts" / "pg-cluster.sh"


def driver_url(url: str) -> str:
    """The URL with SQLAlchemy's psycopg 3 driver named."""
    u = make_url(url)
    return u.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def postgres_admin_url() -> str:
    """A URL to an existing PostgreSQL database whose user may create databases, or a skip."""
    url = os.environ.get(ENV, "").strip()
    require_service("PostgreSQL", bool(url), f"set {ENV}=postgresql://user@127.0.0.1:PORT/postgres "
                                             f"(scripts/pg-cluster.sh start DIR PORT prints one)")
    url = driver_url(url)
    try:
        _run(url, "SELECT 1")
    except OperationalError as e:
        require_service("PostgreSQL", False, f"{ENV} does not answer: {str(e.orig).strip()[:200]}")
    return url


def _run(url: str, *sql: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            for statement in sql:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


class PostgresTemplate:
    """A template database (and the instance folder synced with it); copies are cheap."""

    def __init__(self, admin_url: str, folder: Path):
        self.admin = admin_url
        self.name = f"tg_template_{uuid.uuid4().hex[:10]}"
        self.url = with_database(admin_url, self.name)
        self.instance = folder / "instance"

    def build(self, prepare) -> None:
        self.instance.mkdir(parents=True)
        _run(self.admin, f'CREATE DATABASE "{self.name}"')
        prepare(self.url, self.instance)

    def copy(self) -> str:
        name = f"tg_{uuid.uuid4().hex[:12]}"
        _run(self.admin, f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        return with_database(self.admin, name)

    def empty(self) -> str:
        """A new database with nothing in it (drop it with drop_copy)."""
        name = f"tg_{uuid.uuid4().hex[:12]}"
        _run(self.admin, f'CREATE DATABASE "{name}"')
        return with_database(self.admin, name)

    def drop_copy(self, url: str) -> None:
        _run(self.admin, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def drop(self) -> None:
        _run(self.admin, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Cluster:
    """A private PostgreSQL server of one test (it may stop and start it), via pg-cluster.sh."""

    def __init__(self, port: int):
        # under /tmp itself: PostgreSQL's own user must reach it (pytest's folders are 0700 root)
        self.folder, self.port = Path(tempfile.mkdtemp(prefix="tracegrade-pg-")), port
        self.url = ""

    def start(self) -> str:
        out = subprocess.run(["bash", str(CLUSTER), "start", str(self.folder), str(self.port)],
                             capture_output=True, text=True, timeout=120)
        if out.returncode == 3:
            require_service("PostgreSQL server programs", False, out.stderr.strip())
        assert out.returncode == 0, out.stderr
        self.url = out.stdout.strip()
        return self.url

    def stop(self) -> None:
        subprocess.run(["bash", str(CLUSTER), "stop", str(self.folder)], capture_output=True,
                       timeout=120, check=True)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
