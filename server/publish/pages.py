"""Instructor pages of publishing (/teach/c/<course>/exercises): upload an exercise archive and see
the check's report with a preview of the student page; each exercise's versions with rollback,
hide/unhide, and the course's teaching order.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from server.catalog import load_version
from server.models import Exercise
from server.publish import manage
from server.publish.intake import ArchiveLimits
from server.publish.service import publish_archive
from server.render import render_prompt
from server.teach import bp, teaching
from server.web import db, login_required

UPLOAD_ENDPOINT = "instructor.publish_upload"


@bp.url_value_preprocessor
def _archive_size(endpoint, values) -> None:
    """An upload may be larger than other forms (read before the CSRF check parses the form)."""
    if endpoint == UPLOAD_ENDPOINT:
        request.max_content_length = ArchiveLimits().archive_bytes + (64 << 10)


def _exercises(course):
    return db().scalars(select(Exercise).where(Exercise.course_id == course.id)
                        .order_by(Exercise.position.is_(None), Exercise.position, Exercise.slug)).all()


@bp.get("/c/<slug>/exercises")
@login_required
def publish_page(slug: str):
    course = teaching(slug)
    return render_template("publish.html", course=course, exercises=_exercises(course),
                           report=None, preview=None, limits=ArchiveLimits())


@bp.post("/c/<slug>/exercises")
@login_required
def publish_upload(slug: str):
    course = teaching(slug)
    f = request.files.get("archive")
    data = f.read(ArchiveLimits().archive_bytes + 1) if f else b""
    if not data:
        flash("Choose an archive (.zip or .tar.gz) of the exercise folder first.", "error")
        return redirect(url_for("instructor.publish_page", slug=slug))
    dry_run = request.form.get("dry_run") == "1"
    outcome = publish_archive(db(), course, data, current_app.config["INSTANCE"], dry_run)
    if outcome.report.ok:
        db().commit()
    else:
        db().rollback()
    preview = None
    if outcome.version is not None:
        ex = load_version(current_app.config["INSTANCE"], outcome.version)
        preview = {"title": ex.title, "points": ex.points, "submission": ex.submission,
                   "prompt": render_prompt(ex.read_readme()),
                   "starter": ex.starter.read_text(encoding="utf-8", errors="replace")}
    status = 201 if outcome.published else (200 if outcome.report.ok else 422)
    return render_template("publish.html", course=course, exercises=_exercises(course),
                           report=outcome.report, preview=preview, limits=ArchiveLimits()), status


def _exercise(course, ex_slug: str) -> Exercise:
    ex = db().scalar(select(Exercise).where(Exercise.course_id == course.id, Exercise.slug == ex_slug))
    if ex is None or ex.current_version_id is None:
        abort(404)
    return ex


@bp.get("/c/<slug>/exercises/<ex_slug>/versions")
@login_required
def publish_versions(slug: str, ex_slug: str):
    course = teaching(slug)
    ex = _exercise(course, ex_slug)
    rows = manage.versions(db(), current_app.config["INSTANCE"], ex)
    return render_template("publish_versions.html", course=course, ex=ex, rows=rows[::-1])


@bp.post("/c/<slug>/exercises/<ex_slug>/versions")
@login_required
def publish_change(slug: str, ex_slug: str):
    """One of: rollback (version=hash), hide, unhide."""
    course = teaching(slug)
    ex = _exercise(course, ex_slug)
    action = request.form.get("action")
    if action == "rollback":
        try:
            version = manage.find_version(db(), ex, request.form.get("version", ""))
            manage.rollback(db(), current_app.config["INSTANCE"], ex, version)
        except manage.ManageError as e:
            abort(e.status, description=str(e))
        flash(f"{ex.slug} is back to version {version.content_hash[:16]}.", "info")
    elif action in ("hide", "unhide"):
        manage.set_hidden(db(), course, ex, action == "hide")
        flash(f"{ex.slug} is {'hidden from' if action == 'hide' else 'shown to'} students.", "info")
    else:
        abort(400, description="action must be rollback, hide or unhide.")
    db().commit()
    return redirect(url_for("instructor.publish_versions", slug=slug, ex_slug=ex.slug))


@bp.post("/c/<slug>/exercises/order")
@login_required
def publish_order(slug: str):
    """The teaching order from the form's position fields (position-<slug> = a number)."""
    course = teaching(slug)
    listed = [e for e in _exercises(course) if e.position is not None]
    keyed = []
    for e in listed:
        raw = request.form.get(f"position-{e.slug}", "")
        if not raw.strip().isdigit():
            flash(f"The position of {e.slug} must be a whole number.", "error")
            return redirect(url_for("instructor.publish_page", slug=slug))
        keyed.append((int(raw), e.position, e.slug))
    manage.reorder(db(), course, [s for _, _, s in sorted(keyed)])
    db().commit()
    flash("The teaching order is saved.", "info")
    return redirect(url_for("instructor.publish_page", slug=slug))
