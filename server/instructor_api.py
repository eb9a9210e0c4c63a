"""Instructor endpoints of JSON API v1 (routes on the API blueprint, so they share its bearer-token
authentication): grades (JSON or wide CSV), an exercise's stats, regrades and extensions. Anyone
who does not teach the course gets 404, as for a course that does not exist.
"""
from __future__ import annotations

from flask import Response, abort, current_app, jsonify, request

from server import analytics, exports, extensions, gradebook, regrade
from server.grading import wakeup
from server.api import api_user, bp, json_body as _body, teaching as _teaching
from server.web import course_exercise, db


@bp.get("/courses/<slug>/grades")
def grades(slug: str):
    course = _teaching(slug)
    gb = gradebook.build(db(), course)
    fmt = request.args.get("format", "json")
    if fmt == "json":
        return jsonify(exports.as_json(gb))
    if fmt not in exports.FORMATS:
        abort(400, description="format must be json, csv (one row per student) or long "
                               "(one row per counted submission).")
    mimetype, write = exports.FORMATS[fmt]
    return Response(write(gb), mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{course.slug}-grades-{fmt}.csv"'})


@bp.get("/courses/<slug>/exercises/<ex_slug>/stats")
def stats(slug: str, ex_slug: str):
    course = _teaching(slug)
    return jsonify(analytics.exercise_stats(db(), course_exercise(course, ex_slug)).as_json())


@bp.post("/courses/<slug>/regrade")
def start_regrade(slug: str):
    course = _teaching(slug)
    body = _body()
    keep_higher = body.get("keep_higher", True)
    if not isinstance(keep_higher, bool):
        abort(400, description="keep_higher must be true (never lower a score) or false.")
    try:
        if "submission" in body:
            subs = regrade.candidates(db(), course, scope="one", submission_id=body["submission"])
            scope, ex = "one", None
        elif isinstance(body.get("exercise"), str):
            ex = course_exercise(course, body["exercise"])
            scope = body.get("scope", "counted")
            if scope not in ("counted", "all"):
                abort(400, description="scope must be 'counted' (default) or 'all'.")
            subs = regrade.candidates(db(), course, ex, scope)
        else:
            abort(400, description="Send {\"exercise\": slug} or {\"submission\": id}.")
    except regrade.RegradeError as e:
        abort(e.status, description=str(e))
    r = regrade.start(db(), course, api_user(), subs, scope, keep_higher, ex)
    db().commit()
    wakeup.notify(current_app.config["INSTANCE"])
    return jsonify(queued=r.queued, regrade=r.id, keep_higher=keep_higher), 202


@bp.get("/courses/<slug>/extensions")
def list_extensions(slug: str):
    course = _teaching(slug)
    return jsonify(extensions=[extensions.as_json(e) for e in extensions.for_course(db(), course)])


@bp.post("/courses/<slug>/extensions")
def grant_extension(slug: str):
    course = _teaching(slug)
    body = _body()
    try:
        row = extensions.grant(db(), course, body.get("email"), body.get("exercise"),
                               body.get("due"), api_user())
    except extensions.ExtensionError as e:
        db().rollback()
        abort(400, description=str(e))
    db().commit()
    return jsonify(extensions.as_json(row)), 201
