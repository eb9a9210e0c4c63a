"""Instructor pages of regrades: choose what to regrade and see how many submissions it queues and
the score policy before confirming; then the regrade's page lists whose score went up or down.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from server import present, regrade
from server.grading import wakeup
from server.models import Regrade
from server.teach import bp, teaching
from server.web import course_exercise, current_user, db, login_required


def _chosen(course):
    """(exercise, scope, submission id) from the query string or form."""
    args = request.values
    sid = args.get("submission", type=int)
    if sid is not None:
        return None, "one", sid
    slug = args.get("exercise", "")
    scope = args.get("scope", "counted")
    if scope not in ("counted", "all"):
        scope = "counted"
    return (course_exercise(course, slug) if slug else None), scope, None


@bp.get("/c/<slug>/regrade")
@login_required
def regrade_form(slug: str):
    course = teaching(slug)
    exercise, scope, sid = _chosen(course)
    subs, problem = [], None
    if exercise is not None or sid is not None:
        try:
            subs = regrade.candidates(db(), course, exercise, scope, sid)
        except regrade.RegradeError as e:
            problem = str(e)
    past = db().scalars(select(Regrade).where(Regrade.course_id == course.id)
                        .order_by(Regrade.id.desc()).limit(20)).all()
    return render_template("regrade.html", course=course, exercise=exercise, scope=scope, sid=sid,
                           subs=subs, problem=problem, past=past,
                           exercises=[e for e in course.exercises if e.position is not None])


@bp.post("/c/<slug>/regrade")
@login_required
def regrade_start(slug: str):
    course = teaching(slug)
    exercise, scope, sid = _chosen(course)
    keep_higher = request.form.get("policy", "keep_higher") != "new_score"
    try:
        subs = regrade.candidates(db(), course, exercise, scope, sid)
    except regrade.RegradeError as e:
        flash(str(e), "error")
        return redirect(url_for("instructor.regrade_form", slug=slug))
    if not subs:
        flash("Nothing to regrade: no finished submissions match.", "error")
        return redirect(url_for("instructor.regrade_form", slug=slug))
    r = regrade.start(db(), course, current_user(), subs, scope, keep_higher, exercise)
    db().commit()
    wakeup.notify(current_app.config["INSTANCE"])
    flash(f"Queued {r.queued} submission(s) for regrading, behind students' live submissions.", "ok")
    return redirect(url_for("instructor.regrade_result", slug=slug, rid=r.id))


@bp.get("/c/<slug>/regrades/<int:rid>")
@login_required
def regrade_result(slug: str, rid: int):
    course = teaching(slug)
    r = db().get(Regrade, rid)
    if r is None or r.course_id != course.id:
        abort(404)
    changes = regrade.changes(db(), r)
    groups = {k: [c for c in changes if c.direction == k] for k in ("down", "up", "same", "pending")}
    return render_template("regrade_result.html", course=course, r=r, groups=groups,
                           fmt=present.fmt_score)
