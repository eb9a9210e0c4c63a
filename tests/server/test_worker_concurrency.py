"""A real `tracegrade worker` grading several submissions at once on a real database: two gradings
overlap, each row is graded once, a live submission does not wait behind a regrade batch, and
SIGTERM with two gradings in flight puts both back in the queue uncounted."""
from __future__ import annotations

import shutil
import time

import pytest
from sqlalchemy import func, select, update

from server.db import Database
from server.models import LIVE, REGRADE, Exercise, Submission, TestResult
from server.grading import queue
from tests.conftest import EXERCISES
from tests.server.conftest import EXERCISE, gen_user
from tests.server.live import LiveWorker, wait_for, wait_until

SOLUTION = (EXERCISES / EXERCISE / "solution.py").read_text()
STARTER = (EXERCISES / EXERCISE / "starter.py").read_text()


def slow(seconds: float) -> str:
    """The solution, sleeping when imported (phase 1 stops it after the exercise's 10 s)."""
    return f"import time\ntime.sleep({seconds})\n\n" + SOLUTION


@pytest.fixture
def site(template_instance, tmp_path):
    instance = tmp_path / "instance"
    shutil.copytree(template_instance, instance, symlinks=True)
    db = Database(f"sqlite:///{instance / 'tracegrade.sqlite'}")
    yield instance, db
    db.dispose()


def queue_codes(db: Database, codes, priority: int = LIVE) -> list[int]:
    with db.sessions() as s:
        user = gen_user(s, f"u{time.monotonic_ns()}@example.org")
        ex = s.scalar(select(Exercise))
        subs = [queue.enqueue(s, user, ex, code, 256) for code in codes]
        s.flush()
        ids = [sub.id for sub in subs]
        if priority != LIVE:
            s.execute(update(Submission).where(Submission.id.in_(ids)).values(priority=priority))
        s.commit()
    return ids


def rows(db: Database, ids) -> dict[int, Submission]:
    with db.sessions() as s:
        return {r.id: r for r in s.scalars(select(Submission).where(Submission.id.in_(ids)))}


def running(db: Database, ids) -> int:
    return sum(r.status == "running" for r in rows(db, ids).values())


def test_two_gradings_overlap_and_each_row_is_graded_once(site):
    instance, db = site
    a, b = queue_codes(db, [slow(2), slow(2)])
    quick = queue_codes(db, [SOLUTION, STARTER] * 3)
    with LiveWorker(instance, "pair", args=("--concurrency", "2")) as worker:
        for sid in [a, b, *quick]:
            wait_for(instance, sid, timeout=180, worker=worker)
    got = rows(db, [a, b, *quick])
    ra, rb = got[a], got[b]
    assert (ra.status, ra.score, rb.status, rb.score) == ("graded", 10.0, "graded", 10.0)
    # each started before the other was stored: they were graded at the same time
    assert ra.started_at < rb.graded_at and rb.started_at < ra.graded_at, worker.output()[-2000:]
    assert all(r.status == "graded" and r.attempts == 1 for r in got.values())
    with db.sessions() as s:
        tests = dict(s.execute(select(TestResult.submission_id, func.count())
                               .group_by(TestResult.submission_id)).all())
    assert len(set(tests[sid] for sid in got)) == 1          # one set of test rows each, no doubles
    assert "grades up to 2 submission(s) at once" in worker.output()


def test_a_live_submission_does_not_wait_behind_a_regrade_batch(site):
    instance, db = site
    regrades = queue_codes(db, [slow(60)] * 50, priority=REGRADE)     # 10 s each (the limit)
    with LiveWorker(instance, "busy", args=("--concurrency", "2")) as worker:
        wait_until(lambda: running(db, regrades) == 2, 120, "two regrades running", worker)
        busy = [sid for sid, r in rows(db, regrades).items() if r.status == "running"]
        [live] = queue_codes(db, [SOLUTION])
        done = wait_for(instance, live, timeout=60, worker=worker)
        after = rows(db, regrades)
    assert (done.status, done.score, done.priority) == ("graded", 10.0, LIVE)
    # graded while the two regrades that filled the slots were still running
    assert all(after[sid].graded_at is None or after[sid].graded_at > done.graded_at for sid in busy)
    assert sum(r.status == "graded" for r in after.values()) <= 2
    assert all(r.attempts <= 1 for r in rows(db, regrades).values())


def test_sigterm_with_two_in_flight_gives_both_back_uncounted(site):
    instance, db = site
    ids = queue_codes(db, [slow(60), slow(60)])
    worker = LiveWorker(instance, "stopper", args=("--concurrency", "2")).start()
    try:
        wait_until(lambda: running(db, ids) == 2, 120, "two submissions running", worker)
    finally:
        worker.stop()                                  # SIGTERM to its process group
    assert worker.proc.returncode == 0, worker.output()[-2000:]
    got = rows(db, ids)
    assert [(r.status, r.attempts, r.worker, r.claim_token) for r in got.values()] == [
        ("queued", 0, None, None)] * 2
    assert "put 2 submission(s) being graded back in the queue" in worker.output()
