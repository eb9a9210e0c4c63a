"""Instructor pages of enrolment: the members with their totals, adding and removing members,
changing roles, rotating the join code, importing a roster CSV (all rows or none), and resetting
a student's password (a temporary one, shown once).
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from server import enrolment, gradebook, present
from server.models import Enrollment, User
from server.teach import bp, teaching
from server.web import current_user, db, login_required

MAX_ROSTER_BYTES = 512 * 1024


def _members(course):
    return db().execute(select(User, Enrollment).join(Enrollment, Enrollment.user_id == User.id)
                        .where(Enrollment.course_id == course.id)
                        .order_by(Enrollment.role.desc(), User.email)).all()


def _page(course, status: int = 200, **extra):
    totals = {r.user_id: r.total for r in gradebook.build(db(), course).rows}
    return render_template("members.html", course=course, members=_members(course), totals=totals,
                           max_total=sum(e.points for e in course.exercises if e.position is not None),
                           fmt=present.fmt_score, me=current_user(), **extra), status


@bp.get("/c/<slug>/roster")
@login_required
def roster(slug: str):
    return _page(teaching(slug))


def _done(slug: str, message: str):
    db().commit()
    flash(message, "ok")
    return redirect(url_for("instructor.roster", slug=slug))


def _failed(slug: str, e: Exception):
    db().rollback()
    flash(str(e), "error")
    return redirect(url_for("instructor.roster", slug=slug))


@bp.post("/c/<slug>/members")
@login_required
def add_member(slug: str):
    course = teaching(slug)
    try:
        added = enrolment.add_member(db(), course, request.form.get("email", ""),
                                     request.form.get("role", "student"))
    except enrolment.EnrolmentError as e:
        return _failed(slug, e)
    db().commit()
    return _page(course, added=[added])


@bp.post("/c/<slug>/members/<int:uid>")
@login_required
def change_member(slug: str, uid: int):
    course = teaching(slug)
    action = request.form.get("action", "")
    try:
        if action == "remove":
            enrolment.remove_member(db(), course, uid)
            return _done(slug, "Removed the member from the course (their submissions are kept).")
        if action == "role":
            enrolment.set_role(db(), course, uid, request.form.get("role", ""))
            return _done(slug, "Role changed.")
        if action == "reset_password":
            user, temp = enrolment.reset_password(db(), course, uid)
            db().commit()
            return _page(course, reset=(user.email, temp))
    except enrolment.EnrolmentError as e:
        return _failed(slug, e)
    return _failed(slug, enrolment.EnrolmentError("Unknown action: choose remove, role or reset_password."))


@bp.post("/c/<slug>/join-code")
@login_required
def rotate_join_code(slug: str):
    course = teaching(slug)
    code = enrolment.rotate_join_code(db(), course)
    return _done(slug, f"New join code: {code}. The old one no longer works.")


@bp.post("/c/<slug>/roster/import")
@login_required
def import_roster(slug: str):
    course = teaching(slug)
    upload = request.files.get("roster")
    data = upload.read(MAX_ROSTER_BYTES + 1) if upload and upload.filename else \
        request.form.get("roster_text", "").encode("utf-8")
    if len(data) > MAX_ROSTER_BYTES:
        return _failed(slug, enrolment.EnrolmentError("The roster file is larger than 512 KB."))
    added, errors = enrolment.import_roster(db(), course, data)
    if errors:
        db().rollback()
        return _page(course, 400, import_errors=errors)
    db().commit()
    return _page(course, added=added)
