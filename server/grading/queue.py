"""The embedded queue is the submissions table: a row is committed `queued`, a worker claims it
atomically (status, claim token, lease, attempt count), and stores the result in one transaction.
Live submissions go first: a worker claims regrades (priority REGRADE) only when none is waiting.

A claim whose lease runs out (a worker killed mid-grade) goes back to the queue; after
MAX_ATTEMPTS claims the submission is marked `error` with a message.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from graders.grading.grader import decode_source
from server import schedule
from server.db import utcnow
from server.models import LIVE, Exercise, Submission, TestResult, User

MAX_ATTEMPTS = 3
LEASE_SECONDS = float(os.environ.get("TRACEGRADE_LEASE_SECONDS") or 120.0)
GAVE_UP = ("Grading failed {n} times, so this submission was not graded. This is not your "
           "fault: tell your instructor, and submit again later.")


# The worker's statements for every submission, built once with bind parameters and run on the
# session's connection (Core): no ORM bulk-update bookkeeping, no expression built per call.
_OLDEST_QUEUED = (select(Submission.id).where(Submission.status == "queued")
                  .order_by(Submission.priority, Submission.id).limit(1)
                  # PostgreSQL: rows another worker is claiming are skipped, not waited on
                  # (SQLite renders no FOR UPDATE; its writers take turns on the database lock)
                  .with_for_update(skip_locked=True))
_TAKE_VALUES = dict(status="running", worker=bindparam("b_worker"),
                    claim_token=bindparam("b_token"), started_at=bindparam("b_now"),
                    lease_until=bindparam("b_lease_until"), attempts=Submission.attempts + 1)
_CLAIMED = (Submission.id, Submission.attempts, Submission.priority, Submission.code,
            Submission.version_id)


def _take_oldest(queued):
    """One statement: the oldest row `queued` selects, moved to running, and what a Claim holds."""
    return (update(Submission)
            .where(Submission.id == queued.scalar_subquery(), Submission.status == "queued")
            .values(**_TAKE_VALUES).returning(*_CLAIMED))


_TAKE_OLDEST = _take_oldest(_OLDEST_QUEUED)
_TAKE_OLDEST_UP_TO = _take_oldest(
    _OLDEST_QUEUED.where(Submission.priority <= bindparam("max_priority")))
_TAKE_ONE = (update(Submission)
             .where(Submission.id == bindparam("sid"), Submission.status == "queued")
             .values(**_TAKE_VALUES).returning(Submission.attempts))
_HELD = (Submission.id == bindparam("sid"), Submission.claim_token == bindparam("held_token"),
         Submission.status == "running")
_EXTEND = update(Submission).where(*_HELD).values(lease_until=bindparam("b_lease_until"))
_STORE = update(Submission).where(*_HELD).values(
    status="graded", verdict=bindparam("b_verdict"), score=bindparam("b_score"),
    max_score=bindparam("b_max_score"), message=bindparam("b_message"),
    stdout=bindparam("b_stdout"), stderr=bindparam("b_stderr"), curves=bindparam("b_curves"),
    sandboxed=bindparam("b_sandboxed"), execution_time=bindparam("b_execution_time"),
    graded_at=bindparam("b_now"), claim_token=None, lease_until=None)
_ADD_TESTS = insert(TestResult.__table__)
_ADD_SUBMISSION = insert(Submission.__table__).returning(Submission.__table__.c.id)


def _run(db: Session, statement, params, expire: bool = True):
    """Execute one of the statements above on the session's connection, in its transaction.
    Pending changes are flushed first; with expire, the objects the session holds are expired
    too, since an UPDATE may change their rows under them (an INSERT of a new row does not)."""
    if db.new or db.dirty or db.deleted:
        db.flush()
    if expire and db.identity_map:
        db.expire_all()
    return db.connection().execute(statement, params)


class RejectedSubmission(ValueError):
    """Code the server will not queue; `status` is the HTTP status (400 or 413)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Queued:
    """A submission just queued (enqueue()): what the caller answers with. Read the row itself
    (Submission) for anything more."""
    id: int
    created_at: datetime
    status: str = "queued"
    priority: int = LIVE
    score: float | None = None


@dataclass(frozen=True)
class Claim:
    submission_id: int
    token: str
    attempt: int
    priority: int = LIVE
    code: str | None = None            # read with the claim (claim()), so grading needs no query
    version_id: int | None = None


def validate_code(code, limit_kb: int) -> str:
    """The submission as text, or RejectedSubmission with a reason a student can act on."""
    if code is None:
        raise RejectedSubmission("No code was sent. Paste your solution and submit again.")
    if not isinstance(code, (str, bytes)):
        raise RejectedSubmission("'code' must be a string holding your Python file.")
    size = len(code.encode("utf-8", "surrogatepass") if isinstance(code, str) else code)
    text, problem = decode_source(code, limit_kb)
    if text is None:
        raise RejectedSubmission(problem, 413 if size > limit_kb * 1024 else 400)
    return text


def enqueue(db: Session, user: User, exercise: Exercise, code, limit_kb: int,
            deadline: schedule.Deadline | None = None, role: str | None = None) -> Queued:
    """Validate and add a queued submission for the exercise's current version (caller commits).
    After the exercise's late_until (the server's clock) it is refused with 403 and nothing stored.
    deadline, role: the user's deadline and role in the course, when the caller has read them."""
    text = validate_code(code, limit_kb)
    now = utcnow()
    closed = schedule.closed_message(db, user, exercise, now, deadline, role)
    if closed:
        raise RejectedSubmission(closed, 403)
    sid = _run(db, _ADD_SUBMISSION, {
        "user_id": user.id, "exercise_id": exercise.id, "version_id": exercise.current_version_id,
        "code": text, "status": "queued", "max_score": exercise.points, "created_at": now,
        "priority": LIVE}, expire=False).scalar_one()
    return Queued(sid, now)


def claim(db: Session, worker: str, lease_seconds: float = LEASE_SECONDS,
          max_priority: int | None = None) -> Claim | None:
    """Atomically move the next queued submission to `running` for this worker, or None: the
    oldest live one, else the oldest regrade. max_priority=LIVE: live submissions only."""
    token, now = secrets.token_hex(16), utcnow()
    params = {"b_worker": worker, "b_token": token, "b_now": now,
              "b_lease_until": now + timedelta(seconds=lease_seconds)}
    take = _TAKE_OLDEST
    if max_priority is not None:
        take, params["max_priority"] = _TAKE_OLDEST_UP_TO, max_priority
    row = _run(db, take, params).first()
    if row is None:
        db.rollback()
        return None
    db.commit()
    return Claim(row[0], token, *row[1:])


def claim_id(db: Session, submission_id: int, worker: str,
             lease_seconds: float = LEASE_SECONDS) -> Claim | None:
    """Move this submission to `running` for this worker if it is still queued, else None (it
    was graded, or another worker holds it): a broker message delivered twice grades once."""
    token, now = secrets.token_hex(16), utcnow()
    row = _run(db, _TAKE_ONE, {
        "sid": submission_id, "b_worker": worker, "b_token": token, "b_now": now,
        "b_lease_until": now + timedelta(seconds=lease_seconds)}).first()
    db.commit()
    return None if row is None else Claim(submission_id, token, row[0])


def extend_lease(db: Session, c: Claim, lease_seconds: float = LEASE_SECONDS,
                 commit: bool = True) -> bool:
    """Keep a claim alive while grading; False when it was taken away."""
    res = _run(db, _EXTEND, {"sid": c.submission_id, "held_token": c.token,
                             "b_lease_until": utcnow() + timedelta(seconds=lease_seconds)})
    if commit:
        db.commit()
    return res.rowcount == 1


def release(db: Session, where) -> int:
    """Put running submissions matching `where` back in the queue, or mark them error when they
    used all their attempts. Returns how many rows changed."""
    now = utcnow()
    gave_up = db.execute(
        update(Submission).where(Submission.status == "running", where,
                                 Submission.attempts >= MAX_ATTEMPTS)
        .values(status="error", claim_token=None, lease_until=None, graded_at=now,
                score=0.0, verdict="internal_error", message=GAVE_UP.format(n=MAX_ATTEMPTS)))
    back = db.execute(
        update(Submission).where(Submission.status == "running", where,
                                 Submission.attempts < MAX_ATTEMPTS)
        .values(status="queued", claim_token=None, lease_until=None, worker=None, started_at=None))
    db.commit()
    return gave_up.rowcount + back.rowcount


def recover_worker(db: Session, worker: str) -> int:
    """At worker start: its claimed rows (left by a previous run that died) go back."""
    return release(db, Submission.worker == worker)


def sweep_expired(db: Session) -> int:
    """Rows whose lease ran out (their worker died or hung) go back, whoever claimed them."""
    return release(db, or_(Submission.lease_until.is_(None), Submission.lease_until < utcnow()))


def unclaim(db: Session, c: Claim) -> None:
    """Give a claim back without counting the attempt (the worker is stopping)."""
    db.execute(update(Submission)
               .where(Submission.id == c.submission_id, Submission.claim_token == c.token,
                      Submission.status == "running")
               .values(status="queued", claim_token=None, lease_until=None, worker=None,
                       started_at=None, attempts=Submission.attempts - 1))
    db.commit()


def fail(db: Session, c: Claim) -> None:
    """The engine failed on this claim: retry it, or give up after MAX_ATTEMPTS."""
    release(db, and_(Submission.id == c.submission_id, Submission.claim_token == c.token))


def store_result(db: Session, c: Claim, result, output_cap: int) -> bool:
    """Store a GradeResult and its test rows in one transaction, only if the claim still holds."""
    res = _run(db, _STORE, {
        "sid": c.submission_id, "held_token": c.token, "b_verdict": result.verdict.value,
        "b_score": float(result.score), "b_max_score": float(result.max_score),
        "b_message": result.message or "", "b_stdout": cap(result.stdout, output_cap),
        "b_stderr": cap(result.stderr, output_cap), "b_curves": finite_curves(result.traces),
        "b_sandboxed": bool(result.sandboxed), "b_execution_time": float(result.execution_time),
        "b_now": utcnow()})
    if res.rowcount != 1:
        db.rollback()
        return False
    if result.tests:
        db.connection().execute(_ADD_TESTS, [
            {"submission_id": c.submission_id, "position": i, "name": t.name[:500],
             "score": float(t.score), "max_score": float(t.max_score), "status": t.status,
             "message": cap(t.message, output_cap), "diagnosis": t.diagnosis,
             "visibility": t.visibility}
            for i, t in enumerate(result.tests)])
    db.commit()
    return True


def cap(text: str | None, limit: int) -> str:
    text = text or ""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... [{len(text) - limit} more characters not shown]"


def finite_curves(traces: dict | None) -> dict | None:
    """The loss curves as JSON-safe numbers (NaN and inf become None)."""
    if not traces:
        return None
    out = {"seed": traces.get("seed")}
    for who in ("student", "reference"):
        out[who] = [v if isinstance(v, (int, float)) and abs(v) != float("inf") and v == v else None
                    for v in traces.get(who, [])]
    return out
