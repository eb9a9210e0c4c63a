"""Instructor pages: every submission of the course (filterable by student, exercise and named
diagnosis), each readable in full on the submission page. Importing this module brings in every
instructor page (gradebook, regrades, analytics, members) and the instructor JSON API routes.
"""
from __future__ import annotations

from flask import render_template, request
from sqlalchemy import func, select

from server import present
from server.models import Exercise, Submission, TestResult, User
from server.teach import bp, teaching
from server.web import db, login_required
from server import (instructor_api, teach_analytics, teach_grades, teach_members,  # noqa: F401
                    teach_regrade)
from server.publish import api as publish_api, pages as publish_pages  # noqa: F401

PAGE = 100


@bp.get("/c/<slug>/submissions")
@login_required
def submissions(slug: str):
    course = teaching(slug)
    page = max(1, request.args.get("page", 1, type=int))
    query = (select(Submission).join(Exercise, Exercise.id == Submission.exercise_id)
             .where(Exercise.course_id == course.id))
    email = request.args.get("user", "").strip().lower()
    if email:
        query = query.join(User, User.id == Submission.user_id).where(User.email == email)
    exercise = request.args.get("exercise", "").strip()
    if exercise:
        query = query.where(Exercise.slug == exercise)
    diagnosis = request.args.get("diagnosis", "").strip()
    if diagnosis:
        query = query.where(Submission.id.in_(
            select(TestResult.submission_id).where(TestResult.diagnosis == diagnosis,
                                                   TestResult.status != "passed")))
    total = db().scalar(select(func.count()).select_from(query.subquery()))
    rows = db().scalars(query.order_by(Submission.id.desc())
                        .offset((page - 1) * PAGE).limit(PAGE)).all()
    filters = {k: v for k, v in (("user", email), ("exercise", exercise), ("diagnosis", diagnosis)) if v}
    return render_template("submissions.html", course=course, rows=rows, page=page, total=total,
                           pages=max(1, -(-total // PAGE)), user=email, filters=filters,
                           fmt=present.fmt_score)
