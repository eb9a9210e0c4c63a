"""The embedded queue on real SQLite: one claim per row, leases that expire, a result stored only
by the claim that holds the row, and the give-up rule after three attempts."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from graders.grading import results
from server.grading import queue
from server.db import utcnow
from server.models import Exercise, Submission, TestResult
from tests.server.conftest import gen_user

pytestmark = pytest.mark.both_databases      # on SQLite and on PostgreSQL (tests/server/conftest.py)
CODE = "def train_step(model, x, y, loss_fn, optimizer):\n    return 0.0\n"


def add(dbs, n=1) -> list[int]:
    user = gen_user(dbs, f"u{dbs.scalar(select(Submission.id).order_by(Submission.id.desc())) or 0}@example.org")
    ex = dbs.scalar(select(Exercise))
    ids = [queue.enqueue(dbs, user, ex, CODE, 256).id for _ in range(n)]
    dbs.commit()
    return ids


def result(score=10.0) -> results.GradeResult:
    return results.GradeResult(verdict=results.Verdict.GRADED, score=score, max_score=10.0, stdout="hi",
                       tests=[results.TestOutcome("order", score, 10.0, "passed" if score == 10 else "failed",
                                          "" if score == 10 else "look at step()", None)],
                       traces={"seed": 101, "student": [0.5, float("nan")], "reference": [0.5, 0.4]})


def test_each_row_is_claimed_once_in_order(dbs):
    ids = add(dbs, 3)
    claims = [queue.claim(dbs, f"w{i}") for i in range(4)]
    assert [c.submission_id for c in claims[:3]] == ids and claims[3] is None
    dbs.expire_all()
    rows = dbs.scalars(select(Submission).order_by(Submission.id)).all()
    assert [(r.status, r.worker, r.attempts) for r in rows] == [
        ("running", "w0", 1), ("running", "w1", 1), ("running", "w2", 1)]


def test_result_and_tests_are_stored_together(dbs):
    [sid] = add(dbs)
    c = queue.claim(dbs, "w")
    assert queue.store_result(dbs, c, result(4.0), output_cap=1000)
    dbs.expire_all()
    sub = dbs.get(Submission, sid)
    assert (sub.status, sub.score, sub.verdict, sub.stdout) == ("graded", 4.0, "graded", "hi")
    assert sub.curves == {"seed": 101, "student": [0.5, None], "reference": [0.5, 0.4]}
    assert [(t.name, t.message) for t in sub.tests] == [("order", "look at step()")]
    assert sub.graded_at is not None and sub.claim_token is None


def test_a_lost_claim_cannot_store(dbs):
    [sid] = add(dbs)
    old = queue.claim(dbs, "w1")
    dbs.execute(update(Submission).values(lease_until=utcnow() - timedelta(seconds=1)))
    dbs.commit()
    assert queue.sweep_expired(dbs) == 1
    new = queue.claim(dbs, "w2")
    assert new.attempt == 2
    assert not queue.store_result(dbs, old, result(), output_cap=1000)
    assert dbs.scalars(select(TestResult)).all() == []
    assert queue.store_result(dbs, new, result(), output_cap=1000)


def test_recover_worker_requeues_its_rows_only(dbs):
    a, b = add(dbs, 2)
    queue.claim(dbs, "mine")
    queue.claim(dbs, "theirs")
    assert queue.recover_worker(dbs, "mine") == 1
    dbs.expire_all()
    assert dbs.get(Submission, a).status == "queued" and dbs.get(Submission, b).status == "running"


def test_three_attempts_then_error_with_a_message(dbs):
    [sid] = add(dbs)
    for attempt in (1, 2, 3):
        c = queue.claim(dbs, "w")
        assert c.attempt == attempt
        queue.fail(dbs, c)
    dbs.expire_all()
    sub = dbs.get(Submission, sid)
    assert sub.status == "error" and "3 times" in sub.message and "not your fault" in sub.message
    assert queue.claim(dbs, "w") is None


def test_unclaim_does_not_count_an_attempt(dbs):
    [sid] = add(dbs)
    queue.unclaim(dbs, queue.claim(dbs, "w"))
    dbs.expire_all()
    assert (dbs.get(Submission, sid).status, dbs.get(Submission, sid).attempts) == ("queued", 0)


def test_output_is_capped():
    assert queue.cap("a" * 50, 10).startswith("a" * 10) and "40 more characters" in queue.cap("a" * 50, 10)
