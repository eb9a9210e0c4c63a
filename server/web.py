"""Request-level helpers shared by the page and API blueprints: the request's database session,
the logged-in user, and course lookups that answer 404 to anyone who may not see the course.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user as login_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db import Database
from server.models import Course, Enrollment, Exercise, Submission, User


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
