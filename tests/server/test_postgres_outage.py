"""PostgreSQL stopped for about 10 s during a burst of submissions: the API answers 503 with a
sentence, stores nothing half-written, and the web and the worker recover by themselves; a worker
started before its database exists waits for it instead of crashing."""
from __future__ import annotations

import time

from sqlalchemy import func, select

from server.catalog import sync_course
from server.db import Database
from server.migrate import upgrade
from server.models import Submission, TestResult
from tests.conftest import GOOD_TRAIN_STEP
from tests.server.conftest import gen_token, gen_user, make_app, write_course
from tests.server.live import free_port
from tests.server.pg import Cluster
from tests.server.test_postgres import start_worker, stop

USERS = 4


def wait_graded(db: Database, n: int, timeout: float = 300.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.sessions() as s:
            done = s.scalar(select(func.count()).where(Submission.status == "graded"))
        if done >= n:
            return done
        time.sleep(0.5)
    return done


def test_postgres_outage_during_a_burst(tmp_path):
    cluster = Cluster(free_port())
    url = cluster.start()
    worker = None
    try:
        instance = tmp_path / "instance"
        instance.mkdir()
        worker = start_worker(instance, url, "outage")       # before the schema exists: it waits
        time.sleep(2)
        assert worker.poll() is None, (instance.parent / "outage.log").read_text()
        upgrade(url)
        db = Database(url)
        with db.session() as s:
            sync_course(s, write_course(tmp_path / "course"), instance)
        with db.sessions() as s:
            tokens = [gen_token(s, gen_user(s, f"o{i}@example.org")) for i in range(USERS)]
        client = make_app(instance, DATABASE_URL=url).test_client()
        accepted, refused = [], []

        def submit(i: int) -> None:
            r = client.post("/api/v1/submissions", headers={"Authorization": f"Bearer {tokens[i % USERS]}"},
                            json={"course": "backprop", "exercise": "one-training-step",
                                  "code": GOOD_TRAIN_STEP})
            assert r.status_code in (202, 503), (r.status_code, r.get_data(as_text=True)[:500])
            (accepted.append(r.json["id"]) if r.status_code == 202 else refused.append(r))

        for i in range(20):
            submit(i)
        cluster.stop()
        for i in range(20):                     # about 10 s without a database
            submit(i)
            time.sleep(0.5)
        outage = list(refused)
        cluster.start()
        for i in range(20):
            submit(i)
        log = (instance.parent / "outage.log").read_text(errors="replace")
        assert len(outage) == 20 and len(accepted) == 40, log[-2000:]
        for r in outage:
            assert "database is not answering" in r.json["error"] and r.headers["Retry-After"]
        assert wait_graded(db, len(accepted)) == len(accepted), log[-3000:]
        with db.sessions() as s:
            rows = s.scalars(select(Submission)).all()
            with_tests = s.scalar(select(func.count(func.distinct(TestResult.submission_id))))
        assert sorted(r.id for r in rows) == sorted(accepted)      # nothing half-written
        assert {r.score for r in rows} == {10.0} and with_tests == len(rows)
        assert worker.poll() is None, "the worker did not ride out the outage"
        db.dispose()
    finally:
        if worker is not None:
            stop(worker)
        cluster.remove()
