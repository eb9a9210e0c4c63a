"""PostgreSQL as a first-class database: the migrations build the models' schema there (and undo
it), and two worker processes — each with its own instance folder, nothing shared but the
database — grade 300 queued submissions with none graded twice and none left (also on SQLite)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, inspect, select

from server.grading import queue
from server.db import Database
from server.migrate import alembic_config, current, upgrade
from server.models import Base, Exercise, Submission, TestResult
from tests.conftest import GOOD_TRAIN_STEP, ROOT
from tests.server.conftest import gen_user
from tests.server.live import worker_env

BAD = (ROOT / "tests" / "exercises" / "corpus" / "one-training-step" / "bad_no_zero_grad.py").read_text()
ROWS = 300


def test_migrations_on_postgres(pg_template):
    url = pg_template.empty()
    try:
        upgrade(url)
        engine = create_engine(url)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                    Base.metadata)
        assert diff == []
        assert current(url) == "0005"
        command.downgrade(alembic_config(url), "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        engine.dispose()
        upgrade(url)                  # and up again from nothing
        assert current(url) == "0005"
    finally:
        pg_template.drop_copy(url)


def start_worker(instance: Path, url: str, name: str) -> subprocess.Popen:
    log = open(instance.parent / f"{name}.log", "wb")
    env = dict(worker_env(instance), TRACEGRADE_DATABASE_URL=url)
    return subprocess.Popen([sys.executable, "-m", "server.cli", "worker", "--instance", str(instance),
                             "--name", name], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def count_left(url: str) -> int:
    """Rows not graded yet, read through a connection of its own (a long-lived SQLite connection
    beside other writing processes can read a stale view)."""
    db = Database(url)
    try:
        with db.sessions() as s:
            return s.scalar(select(func.count()).where(Submission.status.in_(("queued", "running"))))
    finally:
        db.dispose()


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.both_databases
def test_two_workers_grade_300_rows_once_each(app, instance, database_url, tmp_path):
    db = app.extensions["tracegrade.db"]
    with db.sessions() as s:
        user = gen_user(s, "race@example.org")
        ex = s.scalar(select(Exercise))
        kinds = {}
        for i in range(ROWS):
            code = GOOD_TRAIN_STEP if i % 2 == 0 else BAD
            kinds[queue.enqueue(s, user, ex, code, 256).id] = code is GOOD_TRAIN_STEP
        s.commit()
    homes = []
    for name in ("a", "b"):         # each "machine" has its own instance folder
        home = tmp_path / f"machine-{name}" / "instance"
        shutil.copytree(instance, home, symlinks=True)
        homes.append(home)
    db.dispose()
    procs = [start_worker(home, database_url, f"race-{n}") for home, n in zip(homes, "ab")]
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and all(p.poll() is None for p in procs):
            if count_left(database_url) == 0:
                break
            time.sleep(0.5)
    finally:
        for p in procs:
            stop(p)
    db = Database(database_url)
    logs = "\n".join((h.parent / f"race-{n}.log").read_text(errors="replace")[-1500:]
                     for h, n in zip(homes, "ab"))
    with db.sessions() as s:
        rows = s.scalars(select(Submission)).all()
        twice = s.execute(select(TestResult.submission_id, TestResult.position)
                          .group_by(TestResult.submission_id, TestResult.position)
                          .having(func.count() > 1)).all()
        with_tests = s.scalar(select(func.count(func.distinct(TestResult.submission_id))))
    assert len(rows) == ROWS and {r.status for r in rows} == {"graded"}, logs
    assert twice == [] and with_tests == ROWS
    assert {r.attempts for r in rows} == {1}, "a row was claimed twice"
    assert {r.worker for r in rows} == {"race-a", "race-b"}, logs
    db.dispose()
    good = {r.score for r in rows if kinds[r.id]}
    bad = {r.score for r in rows if not kinds[r.id]}
    assert good == {rows[0].max_score} and len(bad) == 1 and bad != good
