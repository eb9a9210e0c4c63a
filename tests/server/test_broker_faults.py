"""Faults of scale-out grading, on this machine: two worker "machines" (two `tracegrade worker`
processes, each with its own instance folder, nothing shared but PostgreSQL and Redis on
loopback). One is killed with SIGKILL halfway through a burst of 300 submissions; Redis is
stopped and started again during a burst; PostgreSQL is stopped for 10 s during a burst (the API
answers 503 meanwhile). Every submission accepted is graded once, with its score."""
from __future__ import annotations

import time

from sqlalchemy import func, select

from server.catalog import sync_course
from server.db import Database
from server.migrate import upgrade
from server.models import PastResult, Submission, TestResult
from tests.conftest import GOOD_TRAIN_STEP
from tests.server.broker_live import start_web, start_worker
from tests.server.conftest import gen_token, gen_user, make_app, write_course
from tests.server.live import Prober, free_port, post, wait_until
from tests.server.pg import Cluster
from tests.server.test_broker import BAD, pg_url, redis, submit, wait_done, web_instance  # noqa: F401

FAST = {"TRACEGRADE_LEASE_SECONDS": "10", "TRACEGRADE_REDISPATCH_SECONDS": "5"}


def graded_once(url: str, sent: dict[int, bool]) -> list[Submission]:
    """Every row graded, one set of test results each, the score its code deserves."""
    db = Database(url)
    with db.sessions() as s:
        rows = s.scalars(select(Submission)).all()
        twice = s.execute(select(TestResult.submission_id, TestResult.position)
                          .group_by(TestResult.submission_id, TestResult.position)
                          .having(func.count() > 1)).all()
        per_row = set(dict(s.execute(select(TestResult.submission_id, func.count())
                                     .group_by(TestResult.submission_id)).all()).values())
        past = s.scalar(select(func.count()).select_from(PastResult))
    db.dispose()
    assert sorted(r.id for r in rows) == sorted(sent)
    assert {r.status for r in rows} == {"graded"}
    assert twice == [] and len(per_row) == 1 and past == 0, "a submission was graded twice"
    good = {r.score for r in rows if sent[r.id]}
    bad = {r.score for r in rows if not sent[r.id]}
    assert good == {10.0} and len(bad) == 1 and bad != good, (good, bad)
    return rows


def wait_graded_by(url: str, name: str, worker, timeout: float = 300.0) -> None:
    """Until a submission graded by the worker `name` is stored (the posts may outrun it)."""
    db = Database(url)

    def graded_by() -> bool:
        with db.sessions() as s:
            return bool(s.scalar(select(func.count()).select_from(Submission).where(
                Submission.worker == name, Submission.status == "graded")))
    try:
        wait_until(graded_by, timeout, f"a submission graded by {name}", worker, every=0.2)
    finally:
        db.dispose()


def test_300_submissions_with_one_of_two_workers_killed_halfway(redis, pg_url, web_instance, tmp_path):
    db = Database(pg_url)
    with db.sessions() as s:
        tokens = [gen_token(s, gen_user(s, f"burst{i}@example.org")) for i in range(15)]
    db.dispose()
    web, url = start_web(web_instance, pg_url, redis.url)
    workers = [start_worker(tmp_path / f"machine-{n}", pg_url, redis.url, f"bw-{n}", **FAST)
               for n in "ab"]
    prober = Prober(url)
    try:
        for w in workers:
            w.wait_for("ready")
        prober.start()
        sent: dict[int, bool] = {}
        for i in range(300):
            good = i % 2 == 0
            sent[post(url, tokens[i % len(tokens)], GOOD_TRAIN_STEP if good else BAD)] = good
            if i == 150:            # bw-a has graded work of its own before it dies
                wait_graded_by(pg_url, "bw-a", worker=workers[0])
                workers[0].kill()
        wait_done(pg_url, sent, timeout=900, worker=workers[1])
        prober.done.set()
        prober.join()
        assert workers[1].alive(), workers[1].output()[-3000:]
        assert "ERROR" not in web.output(), web.output()[-3000:]
    finally:
        prober.done.set()
        for w in workers:
            w.stop()
        web.stop()
    rows = graded_once(pg_url, sent)
    assert {r.worker for r in rows} == {"bw-a", "bw-b"}
    assert prober.answers > 0 and prober.failures == [], prober.failures[:5]


def test_redis_stopped_and_started_again_during_a_burst_loses_nothing(redis, pg_url, web_instance,
                                                                        tmp_path):
    app = make_app(web_instance, DATABASE_URL=pg_url, BROKER_URL=redis.url)
    db = app.extensions["tracegrade.db"]
    with db.sessions() as s:
        tokens = [gen_token(s, gen_user(s, f"r{i}@example.org")) for i in range(3)]
    client = app.test_client()
    worker = start_worker(tmp_path / "machine-r", pg_url, redis.url, "bw-r", **FAST)
    sent: dict[int, bool] = {}
    try:
        worker.wait_for("ready")
        for i in range(60):
            if i == 20:
                redis.stop()          # every message waiting in it is lost
            if i == 40:
                redis.start()
            good = i % 2 == 0
            r = submit(client, tokens[i % 3], GOOD_TRAIN_STEP if good else BAD)
            assert r.status_code == 202, r.get_data(as_text=True)
            sent[r.json["id"]] = good
        wait_done(pg_url, sent, timeout=600, worker=worker)
        assert worker.alive(), worker.output()[-3000:]
        assert "sent to the broker again" in worker.output()
    finally:
        worker.stop()
        db.dispose()
    graded_once(pg_url, sent)


def test_postgres_stopped_for_10_s_during_a_burst_with_the_broker(redis, tmp_path):
    cluster = Cluster(free_port())
    url = cluster.start()
    worker = None
    try:
        # the worker machine starts before the schema exists: it waits
        worker = start_worker(tmp_path / "machine-p", url, redis.url, "bw-p", **FAST)
        worker.wait_for("the database is not ready", timeout=120)
        instance = tmp_path / "web" / "instance"
        instance.mkdir(parents=True)
        upgrade(url)
        db = Database(url)
        with db.session() as s:
            sync_course(s, write_course(tmp_path / "course"), instance)
        with db.sessions() as s:
            tokens = [gen_token(s, gen_user(s, f"p{i}@example.org")) for i in range(4)]
        db.dispose()
        client = make_app(instance, DATABASE_URL=url, BROKER_URL=redis.url).test_client()
        sent, refused = {}, []

        def one(i: int) -> None:
            good = i % 2 == 0
            r = submit(client, tokens[i % 4], GOOD_TRAIN_STEP if good else BAD)
            assert r.status_code in (202, 503), (r.status_code, r.get_data(as_text=True)[:500])
            if r.status_code == 202:
                sent[r.json["id"]] = good
            else:
                refused.append(r)

        for i in range(20):
            one(i)
        cluster.stop()
        for i in range(20):                     # about 10 s without a database
            one(i)
            time.sleep(0.5)
        cluster.start()
        for i in range(20):
            one(i)
        assert len(refused) == 20 and len(sent) == 40, worker.output()[-2000:]
        for r in refused:
            assert "database is not answering" in r.json["error"] and r.headers["Retry-After"]
        wait_done(url, sent, timeout=600, worker=worker)
        assert worker.alive(), "the worker did not ride out the outage"
        graded_once(url, sent)                   # nothing half-written, nothing twice
    finally:
        if worker is not None:
            worker.stop()
        cluster.remove()
