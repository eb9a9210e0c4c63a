"""Instructor pages (first cut): the course roster with each member's best scores, and every
submission of the course, each readable in full on the submission page.
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import func, select

from server import present
from server.models import Enrollment, Exercise, Submission, User
from server.web import current_user, db, login_required, membership

bp = Blueprint("instructor", __name__, url_prefix="/teach")
PAGE = 100


def _teaching(slug: str):
    course, enrollment = membership(current_user(), slug)
    if enrollment.role != "instructor":
        abort(404)
    return course


@bp.get("/c/<slug>/roster")
@login_required
def roster(slug: str):
    course = _teaching(slug)
    members = db().execute(select(User, Enrollment).join(Enrollment, Enrollment.user_id == User.id)
                           .where(Enrollment.course_id == course.id)
                           .order_by(Enrollment.role.desc(), User.email)).all()
    exercises = [e for e in course.exercises if e.position is not None]
    best = {(r.user_id, r.exercise_id): (r.best, r.n) for r in db().execute(
        select(Submission.user_id, Submission.exercise_id, func.max(Submission.score).label("best"),
               func.count().label("n"))
        .join(Exercise, Exercise.id == Submission.exercise_id)
        .where(Exercise.course_id == course.id)
        .group_by(Submission.user_id, Submission.exercise_id))}
    return render_template("roster.html", course=course, members=members, exercises=exercises,
                           best=best, fmt=present.fmt_score)


@bp.get("/c/<slug>/submissions")
@login_required
def submissions(slug: str):
    course = _teaching(slug)
    page = max(1, request.args.get("page", 1, type=int))
    query = (select(Submission).join(Exercise, Exercise.id == Submission.exercise_id)
             .where(Exercise.course_id == course.id))
    email = request.args.get("user", "").strip().lower()
    if email:
        query = query.join(User, User.id == Submission.user_id).where(User.email == email)
    total = db().scalar(select(func.count()).select_from(query.subquery()))
    rows = db().scalars(query.order_by(Submission.id.desc())
                        .offset((page - 1) * PAGE).limit(PAGE)).all()
    return render_template("submissions.html", course=course, rows=rows, page=page, total=total,
                           pages=max(1, -(-total // PAGE)), user=email, fmt=present.fmt_score)
