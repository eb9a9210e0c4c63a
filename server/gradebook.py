"""The gradebook of a course: for each student and exercise the counted submission (best or last,
as course.toml says), its raw score, its score after the late penalty, and the student's total.

A submission counts once graded; one being regraded keeps counting with its previous score
until the new one is stored. A regrade that may not lower a score leaves `score_floor`: the raw
score is then the higher of the two.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from server import schedule
from server.models import Course, Enrollment, Exercise, Extension, Submission, User


@dataclass(frozen=True)
class Cell:
    submission_id: int
    raw: float           # the grader's score (or the kept higher one)
    score: float         # what counts: raw after the late penalty
    max_score: float
    late: bool
    penalty: float       # the fraction lost (0 when on time)
    created_at: datetime


@dataclass
class Row:
    user_id: int
    email: str
    cells: dict[str, Cell] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return round(sum(c.score for c in self.cells.values()), 6)


@dataclass
class Gradebook:
    course: Course
    exercises: list[Exercise]
    rows: list[Row]

    @property
    def max_total(self) -> float:
        return sum(ex.points for ex in self.exercises)


def counting(query):
    """Only submissions that count: graded, or being regraded (they keep their old score)."""
    return query.where(or_(Submission.status == "graded",
                           and_(Submission.regrade_id.is_not(None),
                                Submission.status.in_(("queued", "running")),
                                Submission.score.is_not(None))))


def raw_score(score: float | None, floor: float | None) -> float:
    return max(score or 0.0, floor) if floor is not None else (score or 0.0)


def candidates(exercise_ids: list[int], best: bool):
    """The submissions that may count, narrowed in SQL: per student and exercise the last one
    (policy last), or the best on-time one and the best late one (policy best: every late one
    loses the same fraction, so the best after penalty is one of the two)."""
    score = func.coalesce(Submission.score, 0.0)
    raw = case((Submission.score_floor > score, Submission.score_floor), else_=score)
    due = func.coalesce(Extension.due_at, Exercise.due_at)
    late = case((and_(due.is_not(None), Submission.created_at > due), 1), else_=0)
    partition = [Submission.user_id, Submission.exercise_id] + ([late] if best else [])
    order = [raw.desc(), Submission.id] if best else [Submission.id.desc()]
    inner = counting(
        select(Submission.id, Submission.user_id, Submission.exercise_id, Submission.score,
               Submission.score_floor, Submission.max_score, Submission.created_at,
               func.row_number().over(partition_by=partition, order_by=order).label("rank"))
        .join(Exercise, Exercise.id == Submission.exercise_id)
        .outerjoin(Extension, and_(Extension.user_id == Submission.user_id,
                                   Extension.exercise_id == Submission.exercise_id))
        .where(Submission.exercise_id.in_(exercise_ids))).subquery()
    return select(*[c for c in inner.c if c.name != "rank"]).where(inner.c.rank == 1)


def build(db: Session, course: Course, user_ids: list[int] | None = None) -> Gradebook:
    """The course's gradebook (students only, by email), or only the given students."""
    exercises = [e for e in course.exercises if e.position is not None]
    by_id = {e.id: e for e in exercises}
    students = select(User.id, User.email).join(Enrollment, Enrollment.user_id == User.id).where(
        Enrollment.course_id == course.id, Enrollment.role == "student")
    if user_ids is not None:
        students = students.where(User.id.in_(user_ids))
    rows = {uid: Row(uid, email) for uid, email in db.execute(students.order_by(User.email))}
    ext = schedule.extensions(db, by_id)
    deadlines = {ex.id: schedule.deadline(ex) for ex in exercises}
    last = course.policy == "last"
    query = candidates(list(by_id), best=not last)
    if user_ids is not None:
        query = query.where(query.selected_columns.user_id.in_(user_ids))
    for sid, uid, eid, score, floor, max_score, created in db.execute(
            query.order_by(query.selected_columns.id)):
        row = rows.get(uid)
        if row is None:
            continue
        ex = by_id[eid]
        d = deadlines[eid] if (uid, eid) not in ext else schedule.deadline(ex, ext[(uid, eid)])
        raw = raw_score(score, floor)
        late = d.is_late(created)
        cell = Cell(sid, raw, raw * d.factor(created), max_score or ex.points, late,
                    d.penalty if late else 0.0, created)
        old = row.cells.get(ex.slug)
        if old is None or last or cell.score > old.score:
            row.cells[ex.slug] = cell
    return Gradebook(course, exercises, list(rows.values()))
