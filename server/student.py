"""Student pages: the course with its exercises, an exercise (prompt, editor, submit, live result,
history), one submission, and the student bundle download.
"""
from __future__ import annotations

from pathlib import Path

from flask import (Blueprint, Response, current_app, flash, jsonify, redirect, render_template,
                   request, url_for)
from sqlalchemy import func, select

from server import catalog, gradebook, present, regrade, schedule
from server.grading import queue, wakeup
from server.bundle import student_bundle
from server.db import utcnow
from server.submission_rate import limit_submissions
from server.models import Enrollment, Exercise, Submission
from server.plot import loss_plot
from server.render import render_prompt
from server.web import (course_exercise, current_user, db, login_required, membership,
                        submit_target, visible_submission)

bp = Blueprint("student", __name__)
HISTORY = 50


def engine_exercise(ex: Exercise):
    return catalog.load_version(Path(current_app.config["INSTANCE"]), ex.current_version)


@bp.get("/")
@login_required
def home():
    enrollments = db().scalars(select(Enrollment).where(Enrollment.user_id == current_user().id)).all()
    if len(enrollments) == 1:
        return redirect(url_for("student.course", slug=enrollments[0].course.slug))
    return render_template("home.html", enrollments=enrollments)


@bp.get("/c/<slug>")
@login_required
def course(slug: str):
    course, enrollment = membership(current_user(), slug)
    stats = dict(((r.exercise_id, (r.best, r.attempts)) for r in db().execute(
        select(Submission.exercise_id, func.max(Submission.score).label("best"),
               func.count().label("attempts"))
        .where(Submission.user_id == current_user().id).group_by(Submission.exercise_id))))
    exercises = [e for e in course.exercises if e.position is not None]
    uid = current_user().id
    row = gradebook.build(db(), course, [uid]).rows
    counted = row[0].cells if row else {}        # a student's counted scores, after penalties
    for ex in exercises:
        if ex.slug in counted:
            stats[ex.id] = (counted[ex.slug].score, stats[ex.id][1])
    ext = schedule.extensions(db(), [e.id for e in exercises])
    deadlines = {e.id: schedule.deadline(e, ext.get((uid, e.id))) for e in exercises}
    return render_template("course.html", course=course, enrollment=enrollment,
                           exercises=exercises, stats=stats, fmt=present.fmt_score,
                           counted=counted, deadlines=deadlines, local=schedule.local)


def _history(user_id: int, ex: Exercise) -> list[Submission]:
    return db().scalars(select(Submission).where(Submission.user_id == user_id,
                                                 Submission.exercise_id == ex.id)
                        .order_by(Submission.id.desc()).limit(HISTORY)).all()


@bp.get("/c/<slug>/<ex_slug>")
@login_required
def exercise(slug: str, ex_slug: str, code: str | None = None, status: int = 200):
    course, enrollment = membership(current_user(), slug)
    ex = course_exercise(course, ex_slug)
    history = _history(current_user().id, ex)
    eng = engine_exercise(ex)
    shown = history[0] if history else None
    if code is None:
        code = shown.code if shown else (eng.starter.read_text(encoding="utf-8")
                                         if eng.starter.is_file() else "")
    return render_template("exercise.html", course=course, enrollment=enrollment, ex=ex,
                           submission_file=eng.submission, prompt=render_prompt(eng.read_readme()),
                           code=code, panel=_panel_context(shown.id) if shown else None,
                           history=history, fmt=present.fmt_score,
                           limit_kb=current_app.config["MAX_CODE_KB"],
                           **_deadline_context(current_user().id, ex)), status


def _deadline_context(user_id: int, ex: Exercise) -> dict:
    """The student's deadline (with any extension) and the server's time, for due date,
    countdown, late marks and penalties."""
    return {"deadline": schedule.deadline_for(db(), user_id, ex), "now": utcnow(),
            "timezone": ex.course.timezone, "local": schedule.local}


@bp.post("/c/<slug>/<ex_slug>/submit")
@login_required
def submit(slug: str, ex_slug: str):
    target = submit_target(current_user(), slug, ex_slug)
    upload = request.files.get("file")
    code = upload.read() if upload and upload.filename else request.form.get("code")
    wants_json = request.accept_mimetypes.best == "application/json"
    limit_submissions(current_user())
    try:
        sub = queue.enqueue(db(), current_user(), target.exercise, code,
                            current_app.config["MAX_CODE_KB"], target.deadline,
                            target.enrollment.role)
    except queue.RejectedSubmission as e:
        db().rollback()
        if wants_json:
            return jsonify(error=str(e), status=e.status), e.status
        flash(str(e), "error")
        text = code if isinstance(code, str) else None   # an unreadable upload: keep the editor
        return exercise(slug, ex_slug, code=text, status=e.status)
    db().commit()
    wakeup.notify(current_app.config["INSTANCE"])
    if wants_json:
        return jsonify(id=sub.id, status=sub.status, url=url_for("student.submission", sid=sub.id),
                       panel_url=url_for("student.panel", sid=sub.id)), 202
    return redirect(url_for("student.exercise", slug=slug, ex_slug=ex_slug))


def _panel_context(sid: int) -> dict:
    sub, enrollment = visible_submission(current_user(), sid)
    return {"sub": sub, "role": enrollment.role, "fmt": present.fmt_score,
            **_deadline_context(sub.user_id, sub.exercise),
            "tests": present.visible_tests(sub, enrollment.role),
            "diagnosis": present.diagnosis(sub, enrollment.role),
            "out": present.stderr_parts(sub, enrollment.role),
            "plot": loss_plot(sub.curves) if sub.status == "graded" else None}


@bp.get("/s/<int:sid>")
@login_required
def submission(sid: int):
    ctx = _panel_context(sid)
    return render_template("submission.html", past=regrade.history(db(), sid), **ctx)


@bp.get("/s/<int:sid>/panel")
@login_required
def panel(sid: int):
    resp = Response(render_template("_panel.html", **_panel_context(sid)))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/c/<slug>/<ex_slug>/history")
@login_required
def history(slug: str, ex_slug: str):
    course, _ = membership(current_user(), slug)
    ex = course_exercise(course, ex_slug)
    return render_template("_history.html", history=_history(current_user().id, ex),
                           fmt=present.fmt_score, **_deadline_context(current_user().id, ex))


@bp.get("/c/<slug>/<ex_slug>/bundle.zip")
@login_required
def bundle(slug: str, ex_slug: str):
    course, _ = membership(current_user(), slug)
    ex = course_exercise(course, ex_slug)
    data = student_bundle(engine_exercise(ex))
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{ex.slug}.zip"'})
