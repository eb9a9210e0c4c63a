"""Helpers of the course-operation tests: graded submissions at a chosen time (rows written as
the worker writes them), a schedule set on the test exercise, and an instructor's API client."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from server.models import Exercise, Submission, TestResult
from tests.server.conftest import gen_token

DUE = datetime(2026, 12, 8, 22, 59)            # naive UTC, as stored
LATE_UNTIL = DUE + timedelta(days=2)


def exercise(dbs) -> Exercise:
    return dbs.scalar(select(Exercise).where(Exercise.position.is_not(None)).order_by(Exercise.id))


def set_schedule(dbs, due=DUE, late_until=LATE_UNTIL, penalty=0.2, ex=None) -> Exercise:
    ex = ex or exercise(dbs)
    ex.due_at, ex.late_until, ex.late_penalty = due, late_until, penalty
    dbs.commit()
    return ex


def submit_at(dbs, user, at: datetime, score: float, ex=None, diagnosis: str | None = None,
              tests: list[tuple[str, bool]] | None = None, status: str = "graded") -> int:
    """A graded submission made at `at`, with one test row per (name, passed)."""
    ex = ex or exercise(dbs)
    sub = Submission(user_id=user.id, exercise_id=ex.id, version_id=ex.current_version_id,
                     code="x = 1\n", status=status, verdict="graded", score=score,
                     max_score=ex.points, created_at=at, graded_at=at, attempts=1)
    dbs.add(sub)
    dbs.flush()
    for i, (name, passed) in enumerate(tests or [("Parameters change", score >= ex.points)]):
        dbs.add(TestResult(submission_id=sub.id, position=i, name=name,
                           score=ex.points if passed else 0.0, max_score=ex.points,
                           status="passed" if passed else "failed",
                           diagnosis=None if passed else diagnosis))
    dbs.commit()
    return sub.id


def api_client(app, dbs, user):
    token = gen_token(dbs, user)
    client = app.test_client()

    def call(method, path, **kw):
        return client.open(path, method=method, headers={"Authorization": f"Bearer {token}"}, **kw)
    return call
