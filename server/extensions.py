"""Per-student extensions, one operation for the web, the API and the CLI: grant (or change) a
student's due date for one exercise, remove it, list a course's extensions.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server import schedule
from server.db import utcnow
from server.models import Course, Enrollment, Exercise, Extension, User


class ExtensionError(ValueError):
    """An extension that cannot be set; the message names what to fix."""


def _student(db: Session, course: Course, email) -> User:
    email = (email or "").strip().lower() if isinstance(email, str) else ""
    user = db.scalar(select(User).join(Enrollment, Enrollment.user_id == User.id).where(
        User.email == email, Enrollment.course_id == course.id))
    if user is None:
        raise ExtensionError(f"No member '{email[:254]}' in {course.slug}. Check the email address.")
    return user


def _exercise(db: Session, course: Course, slug) -> Exercise:
    ex = db.scalar(select(Exercise).where(Exercise.course_id == course.id, Exercise.slug == slug,
                                          Exercise.position.is_not(None))) if isinstance(slug, str) else None
    if ex is None:
        raise ExtensionError(f"No exercise '{str(slug)[:64]}' in {course.slug}. Check the exercise slug.")
    return ex


def grant(db: Session, course: Course, email, exercise, due, by: User | None = None) -> Extension:
    """Set the student's due date (text in ISO 8601, or a datetime) for the exercise; the caller
    commits. A due without offset is read in the course's time zone."""
    user, ex = _student(db, course, email), _exercise(db, course, exercise)
    try:
        due_at = (schedule.to_utc(due, course.timezone) if isinstance(due, datetime)
                  else schedule.parse_due(due, course.timezone))
    except ValueError as e:
        raise ExtensionError(str(e)) from None
    row = db.scalar(select(Extension).where(Extension.user_id == user.id, Extension.exercise_id == ex.id))
    if row is None:
        row = Extension(user_id=user.id, exercise_id=ex.id, due_at=due_at)
        db.add(row)
    row.due_at, row.granted_by_id, row.created_at = due_at, by.id if by else None, utcnow()
    db.flush()
    return row


def remove(db: Session, course: Course, email, exercise) -> bool:
    user, ex = _student(db, course, email), _exercise(db, course, exercise)
    row = db.scalar(select(Extension).where(Extension.user_id == user.id, Extension.exercise_id == ex.id))
    if row is not None:
        db.delete(row)
        db.flush()
    return row is not None


def for_course(db: Session, course: Course) -> list[Extension]:
    return list(db.scalars(select(Extension).join(Exercise, Exercise.id == Extension.exercise_id)
                           .join(User, User.id == Extension.user_id)
                           .where(Exercise.course_id == course.id)
                           .order_by(User.email, Exercise.position)))


def as_json(e: Extension) -> dict:
    return {"email": e.user.email, "exercise": e.exercise.slug,
            "due": e.due_at.isoformat(timespec="seconds") + "Z"}
