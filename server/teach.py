"""The instructor pages' blueprint (/teach) and its guard: a course page answers 404 to anyone who
does not teach the course. The page modules (instructor, grades, regrades, analytics, members)
add their routes to it.
"""
from __future__ import annotations

from flask import Blueprint, abort

from server.models import Course
from server.web import current_user, membership

bp = Blueprint("instructor", __name__, url_prefix="/teach")


def teaching(slug: str) -> Course:
    course, enrollment = membership(current_user(), slug)
    if enrollment.role != "instructor":
        abort(404)
    return course
