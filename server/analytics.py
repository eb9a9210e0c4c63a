"""Mistake analytics, read from the stored results: per exercise the submissions and students,
attempts until full marks, the pass rate of each test, how often each named diagnosis came up and
the median time from first attempt to full marks; per course the exercises where most students
are stuck (no full marks after N attempts).
"""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from server.models import Course, Enrollment, Exercise, Submission, TestResult

DONE = ("graded", "error")
EPS = 1e-9


@dataclass
class ExerciseStats:
    exercise: Exercise
    submissions: int = 0
    students: int = 0
    full_marks_students: int = 0
    attempts_to_full: Counter = field(default_factory=Counter)   # attempts -> students
    never_full: int = 0
    tests: dict[str, float] = field(default_factory=dict)        # test name -> pass rate
    diagnoses: dict[str, int] = field(default_factory=dict)      # name -> submissions
    median_to_full: timedelta | None = None

    def as_json(self) -> dict:
        return {"submissions": self.submissions, "students": self.students,
                "full_marks_students": self.full_marks_students,
                "diagnoses": self.diagnoses,
                "tests": {k: round(v, 4) for k, v in self.tests.items()},
                "attempts_to_full_marks": {str(k): v for k, v in sorted(self.attempts_to_full.items())},
                "median_seconds_to_full_marks": (self.median_to_full.total_seconds()
                                                 if self.median_to_full is not None else None)}


def _students(course_id: int):
    return select(Enrollment.user_id).where(Enrollment.course_id == course_id,
                                            Enrollment.role == "student")


def _attempts(db: Session, ex: Exercise):
    """Each student's finished submissions in order: user id -> [(created_at, full marks?)]."""
    rows = db.execute(select(Submission.user_id, Submission.created_at, Submission.score,
                             Submission.max_score)
                      .where(Submission.exercise_id == ex.id, Submission.status.in_(DONE),
                             Submission.user_id.in_(_students(ex.course_id)))
                      .order_by(Submission.id))
    out: dict[int, list] = {}
    for uid, created, score, max_score in rows:
        full = score is not None and score >= (max_score or ex.points) - EPS
        out.setdefault(uid, []).append((created, full))
    return out


def exercise_stats(db: Session, ex: Exercise) -> ExerciseStats:
    st = ExerciseStats(ex)
    per_student = _attempts(db, ex)
    st.students = len(per_student)
    st.submissions = sum(len(v) for v in per_student.values())
    to_full = []
    for attempts in per_student.values():
        first_full = next((i for i, (_, full) in enumerate(attempts) if full), None)
        if first_full is None:
            st.never_full += 1
            continue
        st.attempts_to_full[first_full + 1] += 1
        to_full.append(attempts[first_full][0] - attempts[0][0])
    st.full_marks_students = len(to_full)
    if to_full:
        st.median_to_full = statistics.median(to_full)
    scoped = (select(TestResult).join(Submission, Submission.id == TestResult.submission_id)
              .where(Submission.exercise_id == ex.id, Submission.status.in_(DONE),
                     Submission.user_id.in_(_students(ex.course_id))))
    sub = scoped.subquery()
    passed = func.sum(case((sub.c.status == "passed", 1), else_=0))
    for name, n, ok in db.execute(select(sub.c.name, func.count(), passed)
                                  .group_by(sub.c.name).order_by(func.min(sub.c.position))):
        st.tests[name] = (ok or 0) / n
    for name, n in db.execute(select(sub.c.diagnosis, func.count(sub.c.submission_id.distinct()))
                              .where(sub.c.diagnosis.is_not(None), sub.c.status != "passed")
                              .group_by(sub.c.diagnosis).order_by(func.count().desc(), sub.c.diagnosis)):
        st.diagnoses[name] = n
    return st


@dataclass(frozen=True)
class Stuck:
    exercise: Exercise
    stuck: int       # students with no full marks after at least N attempts
    tried: int       # students with at least one attempt


def stuck_ranking(db: Session, course: Course, after: int = 3) -> list[Stuck]:
    """Exercises by how many students are stuck: N or more attempts, none with full marks."""
    out = []
    for ex in course.exercises:
        if ex.position is None:
            continue
        per_student = _attempts(db, ex)
        stuck = sum(1 for a in per_student.values()
                    if len(a) >= after and not any(full for _, full in a))
        out.append(Stuck(ex, stuck, len(per_student)))
    return sorted(out, key=lambda s: (-s.stuck, s.exercise.position))


def fmt_duration(value: timedelta | None) -> str:
    if value is None:
        return "–"
    minutes = value.total_seconds() / 60
    if minutes < 60:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"
