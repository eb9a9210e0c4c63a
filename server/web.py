"""Request-level helpers shared by the page and API blueprints: the request's database session,
the logged-in user, and course lookups that answer 404 to anyone who may not see the course.
"""
from __future__ import annotations

from functools import wraps
from typing import NamedTuple

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user as login_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from server import schedule
from server.db import Database
from server.models import Course, Enrollment, Exercise, Extension, Submission, User


def database() -> Database:
    return current_app.extensions["tracegrade.db"]


def db() -> Session:
    """The session of this request (closed at the end of the request)."""
    if "db_session" not in g:
        g.db_session = database().sessions()
    return g.db_session


def current_user() -> User | None:
    """The logged-in user (Flask-Login; server.sessions refuses sessions that were ended)."""
    if "user" not in g:
        g.user = login_user.user if login_user.is_authenticated else None
    return g.user


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapped


def membership(user: User, course_slug: str) -> tuple[Course, Enrollment]:
    """The course and the user's enrollment in it, or 404 (never 403: no hint it exists)."""
    row = db().execute(
        select(Course, Enrollment).join(Enrollment, Enrollment.course_id == Course.id)
        .where(Course.slug == course_slug, Enrollment.user_id == user.id)).first()
    if row is None:
        abort(404, description=f"You have no course '{course_slug[:64]}'. Check the course name.")
    return row[0], row[1]


def course_exercise(course: Course, slug: str) -> Exercise:
    ex = db().scalar(select(Exercise).where(Exercise.course_id == course.id, Exercise.slug == slug,
                                            Exercise.position.is_not(None)))
    if ex is None or ex.current_version_id is None:
        abort(404, description=f"There is no exercise '{slug[:64]}' in {course.slug}. "
                               f"Check the exercise name.")
    return ex


_SUBMIT_TARGET = (
    select(Course, Enrollment, Exercise, Extension.due_at)
    .join(Enrollment, Enrollment.course_id == Course.id)
    .join(Exercise, Exercise.course_id == Course.id)
    .outerjoin(Extension, (Extension.exercise_id == Exercise.id)
               & (Extension.user_id == Enrollment.user_id))
    .where(Course.slug == bindparam("course"), Enrollment.user_id == bindparam("user"),
           Exercise.slug == bindparam("exercise"), Exercise.position.is_not(None),
           Exercise.current_version_id.is_not(None)))


class SubmitTarget(NamedTuple):
    course: Course
    enrollment: Enrollment
    exercise: Exercise
    deadline: schedule.Deadline        # the user's, with their extension


def submit_target(user: User, course_slug: str, ex_slug: str) -> SubmitTarget:
    """What a submission to course_slug/ex_slug needs, read in one query: the course, the user's
    enrollment, the published exercise and the user's deadline for it. 404 as membership() and
    course_exercise() answer, saying which of the two is missing."""
    row = db().execute(_SUBMIT_TARGET, {"course": course_slug, "user": user.id,
                                        "exercise": ex_slug}).first()
    if row is None:                         # the same answers as the two lookups give
        course_exercise(membership(user, course_slug)[0], ex_slug)
        abort(404)
    course, enrollment, ex, extended_due = row
    return SubmitTarget(course, enrollment, ex, schedule.deadline(ex, extended_due))


def visible_submission(user: User, submission_id: int) -> tuple[Submission, Enrollment]:
    """A submission the user may read: their own, or any in a course they teach. Else 404."""
    sub = db().get(Submission, submission_id)
    if sub is None:
        abort(404)
    enrollment = db().scalar(select(Enrollment).where(
        Enrollment.user_id == user.id, Enrollment.course_id == sub.exercise.course_id))
    if enrollment is None:
        abort(404)
    if sub.user_id != user.id and enrollment.role != "instructor":
        abort(404)
    return sub, enrollment
