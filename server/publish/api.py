"""Publishing endpoints of JSON API v1 (routes on the API blueprint, so they share its bearer-token
authentication): upload an exercise archive, list its versions, roll back, hide or unhide,
reorder the course, and download the instructor's folder. Anyone who does not teach the course
gets 404.
"""
from __future__ import annotations

from flask import Response, abort, current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from server.api import bp, json_body as _body, teaching as _teaching
from server.models import Course, Exercise
from server.publish import manage
from server.publish.intake import ArchiveLimits, human_size
from server.publish.service import publish_archive
from server.web import db

FIELD = "archive"


def any_exercise(course: Course, slug: str) -> Exercise:
    """The course's exercise slug, hidden ones included, or 404."""
    ex = db().scalar(select(Exercise).where(Exercise.course_id == course.id, Exercise.slug == slug))
    if ex is None or ex.current_version_id is None:
        abort(404, description=f"There is no exercise '{slug[:64]}' in {course.slug}. "
                               f"Check the exercise name.")
    return ex


def flag(value, name: str = "dry_run") -> bool:
    if value is None or value in ("", "0", "false", "no", "off", False):
        return False
    if value in ("1", "true", "yes", "on", True):
        return True
    abort(400, description=f"{name} must be true or false.")


def read_upload(limits: ArchiveLimits) -> bytes:
    """The archive of a multipart upload (field 'archive'), within the archive size limit."""
    request.max_content_length = limits.archive_bytes + (64 << 10)
    try:
        f = request.files.get(FIELD)
    except RequestEntityTooLarge:
        abort(413, description=f"The upload is larger than the {human_size(limits.archive_bytes)} "
                               f"an exercise archive may be. Leave out large data files and caches.")
    if f is None:
        abort(400, description=f"Send the exercise as a multipart upload with the archive (.zip "
                               f"or .tar.gz) in the field '{FIELD}'.")
    data = f.read(limits.archive_bytes + 1)
    if not data:
        abort(400, description="The uploaded archive is empty.")
    return data


@bp.post("/courses/<slug>/exercises")
def publish(slug: str):
    course = _teaching(slug)
    limits = ArchiveLimits()
    data = read_upload(limits)
    dry_run = flag(request.form.get("dry_run", request.args.get("dry_run")))
    mutants = flag(request.form.get("mutants", request.args.get("mutants")), "mutants")
    try:
        outcome = publish_archive(db(), course, data, current_app.config["INSTANCE"], dry_run, limits,
                                  mutants=mutants)
    except IntegrityError:
        db().rollback()
        abort(409, description="Another upload of this exercise was published at the same time. "
                               "Push again: the same content makes no new version.")
    report = outcome.report
    if not report.ok:
        db().rollback()
        return jsonify(error="The exercise was not published: " + report.problems[0],
                       report=report.as_json()), 422
    db().commit()
    if report.status == "published":
        return jsonify(slug=report.slug, version=report.content_hash[:16], report=report.as_json()), 201
    return jsonify(slug=report.slug, version=report.content_hash[:16], report=report.as_json()), 200


@bp.get("/courses/<slug>/exercises/<ex_slug>/versions")
def versions(slug: str, ex_slug: str):
    course = _teaching(slug)
    ex = any_exercise(course, ex_slug)
    rows = manage.versions(db(), current_app.config["INSTANCE"], ex)
    return jsonify(slug=ex.slug, hidden=ex.position is None, position=ex.position,
                   versions=[v.as_json() for v in rows])


@bp.post("/courses/<slug>/exercises/<ex_slug>/rollback")
def rollback(slug: str, ex_slug: str):
    course = _teaching(slug)
    ex = any_exercise(course, ex_slug)
    try:
        version = manage.find_version(db(), ex, _body().get("version"))
        manage.rollback(db(), current_app.config["INSTANCE"], ex, version)
    except manage.ManageError as e:
        abort(e.status, description=str(e))
    db().commit()
    return jsonify(slug=ex.slug, version=version.content_hash[:16])


@bp.post("/courses/<slug>/exercises/<ex_slug>/hide")
def hide(slug: str, ex_slug: str):
    return _set_hidden(slug, ex_slug, True)


@bp.post("/courses/<slug>/exercises/<ex_slug>/unhide")
def unhide(slug: str, ex_slug: str):
    return _set_hidden(slug, ex_slug, False)


def _set_hidden(slug: str, ex_slug: str, hidden: bool):
    course = _teaching(slug)
    ex = any_exercise(course, ex_slug)
    manage.set_hidden(db(), course, ex, hidden)
    db().commit()
    return jsonify(slug=ex.slug, hidden=ex.position is None, position=ex.position)


@bp.post("/courses/<slug>/order")
def reorder(slug: str):
    course = _teaching(slug)
    try:
        order = manage.reorder(db(), course, _body().get("exercises"))
    except manage.ManageError as e:
        db().rollback()
        abort(e.status, description=str(e))
    db().commit()
    return jsonify(course=course.slug, exercises=order)


@bp.get("/courses/<slug>/exercises/<ex_slug>/source")
def source(slug: str, ex_slug: str):
    course = _teaching(slug)
    ex = any_exercise(course, ex_slug)
    return Response(manage.source_zip(current_app.config["INSTANCE"], ex), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{ex.slug}-source.zip"'})
