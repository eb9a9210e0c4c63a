"""Grading on a Celery broker (real Redis, real PostgreSQL): the web commits the row and sends a
task with its id, a worker "machine" with an empty instance folder of its own gets the exercise
files from the database and grades; a broker that is down at submission time costs nothing (the
sweep sends the row later); a worker started before its database and broker waits for them;
live submissions go before regrades."""
from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, update

from server.db import Database
from server.models import Submission
from tests.conftest import GOOD_TRAIN_STEP, ROOT
from tests.server.broker_live import RedisServer, start_worker
from tests.server.conftest import gen_token, gen_user, make_app
from tests.server.pg import _run, with_database

BAD = (ROOT / "tests" / "exercises" / "corpus" / "one-training-step" / "bad_no_zero_grad.py").read_text()


@pytest.fixture
def redis():
    server = RedisServer().start()
    yield server
    server.remove()


@pytest.fixture
def pg_url(pg_template):
    url = pg_template.copy()
    yield url
    pg_template.drop_copy(url)


@pytest.fixture
def web_instance(pg_template, tmp_path) -> Path:
    dest = tmp_path / "web" / "instance"
    shutil.copytree(pg_template.instance, dest, symlinks=True)
    return dest


def submit(client, token: str, code: str):
    return client.post("/api/v1/submissions", headers={"Authorization": f"Bearer {token}"},
                       json={"course": "backprop", "exercise": "one-training-step", "code": code})


def wait_done(url: str, ids, timeout: float = 180.0, worker=None) -> list[Submission]:
    db = Database(url)
    try:
        deadline = time.monotonic() + timeout
        while True:
            with db.sessions() as s:
                rows = s.scalars(select(Submission).where(Submission.id.in_(list(ids)))).all()
            if len(rows) == len(ids) and all(r.done for r in rows):
                return rows
            if time.monotonic() > deadline:
                raise AssertionError(f"not graded after {timeout} s: "
                                     f"{[(r.id, r.status) for r in rows if not r.done]}\n"
                                     f"{worker.output()[-3000:] if worker else ''}")
            time.sleep(0.3)
    finally:
        db.dispose()


def test_the_web_sends_a_task_and_a_worker_without_the_files_grades_it(redis, pg_url, web_instance,
                                                                         tmp_path):
    app = make_app(web_instance, DATABASE_URL=pg_url, BROKER_URL=redis.url)
    db = app.extensions["tracegrade.db"]
    with db.sessions() as s:
        token = gen_token(s, gen_user(s, "broker@example.org"))
    client = app.test_client()
    # the sweep never re-sends here: only the web's message can bring a row to the worker
    worker = start_worker(tmp_path / "machine-a", pg_url, redis.url, "bw-a",
                          TRACEGRADE_REDISPATCH_SECONDS="3600")
    try:
        worker.wait_for("ready")
        ids = {}
        for code in (GOOD_TRAIN_STEP, BAD):
            r = submit(client, token, code)
            assert r.status_code == 202, r.get_data(as_text=True)
            ids[r.json["id"]] = code
        rows = wait_done(pg_url, ids, worker=worker)
    finally:
        worker.stop()
    scores = {r.id: r.score for r in rows}
    assert {r.status for r in rows} == {"graded"} and {r.worker for r in rows} == {"bw-a"}
    good = [sid for sid, code in ids.items() if code is GOOD_TRAIN_STEP][0]
    assert scores[good] == 10.0 and [v for k, v in scores.items() if k != good][0] < 10.0
    assert all(r.dispatched_at is not None and r.attempts == 1 for r in rows)
    machine = tmp_path / "machine-a" / "instance"
    assert not (machine / "exercises").exists(), "the worker machine got the web's snapshots"
    cached = list((machine / "cache" / "exercises").glob("*/exercise.toml"))
    assert len(cached) == 1, "the exercise was not rebuilt from the database"
    assert (cached[0].parent / "traces").is_dir() and (cached[0].parent / "solution.py").is_file()
    db.dispose()


def test_a_broker_that_is_down_loses_nothing_and_a_worker_waits_for_its_services(
        redis, pg_template, web_instance, tmp_path):
    # the worker starts first: no database, no broker yet
    name = f"tg_{uuid.uuid4().hex[:12]}"
    url = with_database(pg_template.admin, name)
    redis.stop()
    worker = start_worker(tmp_path / "machine-b", url, redis.url, "bw-b",
                          TRACEGRADE_REDISPATCH_SECONDS="2")
    try:
        worker.wait_for("the database is not ready", timeout=120)
        time.sleep(2)
        assert worker.alive(), worker.output()[-3000:]
        _run(pg_template.admin, f'CREATE DATABASE "{name}" TEMPLATE "{pg_template.name}"')
        app = make_app(web_instance, DATABASE_URL=url, BROKER_URL=redis.url)
        db = app.extensions["tracegrade.db"]
        with db.sessions() as s:
            token = gen_token(s, gen_user(s, "down@example.org"))
        client = app.test_client()
        r = submit(client, token, GOOD_TRAIN_STEP)          # Redis is down: the row is kept
        assert r.status_code == 202, r.get_data(as_text=True)
        sid = r.json["id"]
        with db.sessions() as s:
            assert s.get(Submission, sid).status == "queued"
        time.sleep(3)
        assert worker.alive(), worker.output()[-3000:]
        redis.start()
        rows = wait_done(url, [sid], worker=worker)
        assert rows[0].status == "graded" and rows[0].score == 10.0
        assert "sent to the broker again" in worker.output()
        db.dispose()
    finally:
        worker.stop()
        pg_template.drop_copy(url)


def test_a_broker_url_that_is_not_redis_is_refused_clearly(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from graders.cli.main import _load_plugins, cli
    _load_plugins()
    monkeypatch.setenv("TRACEGRADE_BROKER_URL", "amqp://guest:secret@rabbit/")
    result = CliRunner().invoke(cli, ["worker", "--instance", str(tmp_path / "instance")])
    assert result.exit_code == 2
    assert "'amqp' broker: expected a Redis URL such as redis://HOST:6379/0" in result.output
    assert "secret" not in result.output
    with pytest.raises(ValueError, match="expected a Redis URL"):
        make_app(tmp_path)


def test_live_submissions_go_before_regrades_on_the_broker(redis, pg_url, web_instance, tmp_path):
    """Regrades queued first still wait for live submissions queued after them."""
    from server.grading import queue
    from server.models import REGRADE, Exercise

    app = make_app(web_instance, DATABASE_URL=pg_url, BROKER_URL=redis.url)
    db = app.extensions["tracegrade.db"]
    with db.sessions() as s:
        user = gen_user(s, "prio@example.org")
        token = gen_token(s, user)
        ex = s.scalar(select(Exercise))
        regrades = []
        for _ in range(4):                   # sent first, at the regrade priority
            sub = queue.enqueue(s, user, ex, GOOD_TRAIN_STEP, 256)
            s.execute(update(Submission).where(Submission.id == sub.id).values(priority=REGRADE))
            regrades.append(sub.id)
        s.commit()
    client = app.test_client()
    live = [submit(client, token, BAD).json["id"] for _ in range(4)]
    worker = start_worker(tmp_path / "machine-p", pg_url, redis.url, "bw-p", "--concurrency", "1",
                          TRACEGRADE_REDISPATCH_SECONDS="3600")
    try:
        rows = {r.id: r for r in wait_done(pg_url, live + regrades, worker=worker)}
    finally:
        worker.stop()
    assert max(rows[i].started_at for i in live) < min(rows[i].started_at for i in regrades)
    db.dispose()
