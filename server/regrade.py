"""Regrades: put submissions back in the queue behind live ones, graded by the exercise's current
version, after keeping their old result as history (PastResult). By default a regrade never
lowers a score: the old score stays as the submission's floor; the instructor may choose to let
the new score stand even when lower.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db import utcnow
from server.gradebook import build, raw_score
from server.models import REGRADE, Course, Exercise, PastResult, Regrade, Submission, User

SCOPES = ("counted", "all", "one")


class RegradeError(ValueError):
    """A regrade that cannot be done; the message says why, `status` is the HTTP status."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


def candidates(db: Session, course: Course, exercise: Exercise | None = None,
               scope: str = "counted", submission_id: int | None = None) -> list[Submission]:
    """The submissions a regrade would queue (only finished ones: queued or running are left)."""
    if scope == "one":
        sub = db.get(Submission, submission_id) if isinstance(submission_id, int) else None
        if sub is None or sub.exercise.course_id != course.id:
            raise RegradeError(f"There is no submission {str(submission_id)[:20]} in {course.slug}.", 404)
        if not sub.done:
            raise RegradeError(f"Submission {sub.id} is still being graded; regrade it once it is done.")
        return [sub]
    if scope not in SCOPES or exercise is None:
        raise RegradeError("Choose an exercise, and whether to regrade counted or all submissions.", 400)
    if scope == "all":
        return list(db.scalars(select(Submission).where(
            Submission.exercise_id == exercise.id, Submission.status.in_(("graded", "error")))
            .order_by(Submission.id)))
    gb = build(db, course)
    ids = [r.cells[exercise.slug].submission_id for r in gb.rows if exercise.slug in r.cells]
    return [s for s in (db.get(Submission, i) for i in ids) if s.done]


def start(db: Session, course: Course, by: User, subs: list[Submission], scope: str,
          keep_higher: bool = True, exercise: Exercise | None = None) -> Regrade:
    """Keep each submission's result as history and queue it again (caller commits)."""
    r = Regrade(course_id=course.id, exercise_id=exercise.id if exercise else subs[0].exercise_id
                if subs else None, scope=scope, keep_higher=keep_higher, queued=len(subs),
                requested_by_id=by.id, created_at=utcnow())
    db.add(r)
    db.flush()
    for sub in subs:
        db.add(PastResult(submission_id=sub.id, regrade_id=r.id, version_id=sub.version_id,
                          verdict=sub.verdict, score=sub.score, max_score=sub.max_score,
                          message=sub.message or "", graded_at=sub.graded_at, replaced_at=utcnow(),
                          tests=[{"name": t.name, "score": t.score, "max_score": t.max_score,
                                  "status": t.status, "message": t.message,
                                  "diagnosis": t.diagnosis, "visibility": t.visibility}
                                 for t in sub.tests]))
        sub.tests.clear()
        sub.score_floor = raw_score(sub.score, sub.score_floor) if keep_higher else None
        sub.status, sub.priority, sub.regrade_id = "queued", REGRADE, r.id
        sub.version_id = sub.exercise.current_version_id
        sub.attempts, sub.worker, sub.claim_token, sub.lease_until = 0, None, None, None
    db.flush()
    return r


@dataclass(frozen=True)
class Change:
    submission_id: int
    email: str
    exercise: str
    before: float | None
    after: float | None       # the new grader score (None while pending)
    counted: float | None     # what now counts (the floor may keep the old one)

    @property
    def direction(self) -> str:
        if self.after is None:
            return "pending"
        if self.counted > (self.before or 0.0) + 1e-9:
            return "up"
        if self.counted < (self.before or 0.0) - 1e-9:
            return "down"
        return "same"


def changes(db: Session, r: Regrade) -> list[Change]:
    """Each regraded submission: its score before, the new one, and what counts now."""
    out = []
    rows = db.execute(select(PastResult, Submission, User.email, Exercise.slug)
                      .join(Submission, Submission.id == PastResult.submission_id)
                      .join(User, User.id == Submission.user_id)
                      .join(Exercise, Exercise.id == Submission.exercise_id)
                      .where(PastResult.regrade_id == r.id).order_by(User.email, Submission.id))
    for past, sub, email, slug in rows:
        done = sub.regrade_id == r.id and sub.status in ("graded", "error")
        after = sub.score if done else None
        counted = raw_score(sub.score, sub.score_floor) if done else None
        out.append(Change(sub.id, email, slug, past.score, after, counted))
    return out


def history(db: Session, submission_id: int) -> list[PastResult]:
    return list(db.scalars(select(PastResult).where(PastResult.submission_id == submission_id)
                           .order_by(PastResult.id.desc())))
