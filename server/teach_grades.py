"""Instructor pages of grades: the gradebook (students x exercises, counted scores, late marks,
totals), its CSV downloads, one student's page (counted and latest submissions, extensions,
password reset), and the course's extensions.
"""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from server import exports, extensions, gradebook, present, schedule
from server.models import Enrollment, Submission, User
from server.teach import bp, teaching
from server.web import current_user, db, login_required


@bp.get("/c/<slug>/gradebook")
@login_required
def gradebook_page(slug: str):
    course = teaching(slug)
    gb = gradebook.build(db(), course)
    return render_template("gradebook.html", course=course, gb=gb, fmt=present.fmt_score,
                           local=schedule.local)


@bp.get("/c/<slug>/grades.csv")
@login_required
def grades_csv(slug: str):
    course = teaching(slug)
    fmt = request.args.get("format", "csv")
    mimetype, write = exports.FORMATS.get(fmt, exports.FORMATS["csv"])
    fmt = fmt if fmt in exports.FORMATS else "csv"
    return Response(write(gradebook.build(db(), course)), mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{course.slug}-grades-{fmt}.csv"'})


@bp.get("/c/<slug>/students/<int:uid>")
@login_required
def student_page(slug: str, uid: int):
    course = teaching(slug)
    row = db().execute(select(User, Enrollment).join(Enrollment, Enrollment.user_id == User.id)
                       .where(Enrollment.course_id == course.id, User.id == uid)).first()
    if row is None:
        abort(404, description="There is no such member in this course.")
    user, enrollment = row
    gb = gradebook.build(db(), course, user_ids=[uid])
    cells = gb.rows[0].cells if gb.rows else {}
    latest = {}
    for sub in db().scalars(select(Submission).where(Submission.user_id == uid,
                                                     Submission.exercise_id.in_([e.id for e in gb.exercises]))
                            .order_by(Submission.id)):
        latest[sub.exercise_id] = sub
    ext = schedule.extensions(db(), [e.id for e in gb.exercises])
    deadlines = {e.id: schedule.deadline(e, ext.get((uid, e.id))) for e in gb.exercises}
    total = gb.rows[0].total if gb.rows else 0.0
    return render_template("teach_student.html", course=course, member=user, enrollment=enrollment,
                           gb=gb, cells=cells, latest=latest, deadlines=deadlines, total=total,
                           fmt=present.fmt_score, local=schedule.local)


@bp.get("/c/<slug>/extensions")
@login_required
def extensions_page(slug: str):
    course = teaching(slug)
    exercises = [e for e in course.exercises if e.position is not None]
    return render_template("extensions.html", course=course, rows=extensions.for_course(db(), course),
                           exercises=exercises, local=schedule.local,
                           email=request.args.get("email", ""), exercise=request.args.get("exercise", ""))


@bp.post("/c/<slug>/extensions")
@login_required
def grant_extension(slug: str):
    course = teaching(slug)
    f = request.form
    try:
        if f.get("remove"):
            extensions.remove(db(), course, f.get("email"), f.get("exercise"))
            message = f"Removed the extension of {f.get('email')} on {f.get('exercise')}."
        else:
            row = extensions.grant(db(), course, f.get("email"), f.get("exercise"), f.get("due"),
                                   current_user())
            message = (f"{row.user.email} now has until "
                       f"{schedule.local(row.due_at, course.timezone):%Y-%m-%d %H:%M %Z} "
                       f"for {row.exercise.slug}.")
    except extensions.ExtensionError as e:
        db().rollback()
        flash(str(e), "error")
        return redirect(url_for("instructor.extensions_page", slug=slug, email=f.get("email", ""),
                                exercise=f.get("exercise", "")))
    db().commit()
    flash(message, "ok")
    back = f.get("next")
    if back == "student":
        uid = db().scalar(select(User.id).where(User.email == (f.get("email") or "").strip().lower()))
        return redirect(url_for("instructor.student_page", slug=slug, uid=uid))
    return redirect(url_for("instructor.extensions_page", slug=slug))
