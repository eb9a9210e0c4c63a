"""JSON API v1 with bearer tokens: submit code, read a submission, list a course's exercises,
download an exercise's student bundle. Errors are JSON `{"error": message}`; whatever the caller
may not see is 404.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, g, jsonify, request, url_for
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from server import present
from server.grading import queue, wakeup
from server.bundle import student_bundle
from server.db import utcnow
from server.submission_rate import limit_submissions
from server.models import ApiToken, Enrollment, Submission, User
from server.security import token_hash
from server.student import engine_exercise
from server.web import course_exercise, db, membership, submit_target, visible_submission

bp = Blueprint("api", __name__)
# every API request's first query, built once: the token, and its user with it (one query)
_TOKEN = (select(ApiToken).options(joinedload(ApiToken.user))
          .where(ApiToken.token_hash == bindparam("digest")))


@bp.before_request
def authenticate() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send your API token as 'Authorization: Bearer <token>' "
                           "(create one with `tracegrade tokens create EMAIL`).",
                           www_authenticate=WWWAuthenticate("Bearer"))
    row = db().scalar(_TOKEN, {"digest": token_hash(token.strip())})
    if row is None:
        raise Unauthorized("This API token is not valid. Create a new one with "
                           "`tracegrade tokens create EMAIL`.",
                           www_authenticate=WWWAuthenticate("Bearer"))
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now
        db().commit()
    g.api_user = row.user


def api_user() -> User:
    return g.api_user


def json_body(expected: str = "") -> dict:
    """The request's JSON object, or 400 saying what to send."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="Send a JSON object (UTF-8)" + (f" with {expected}." if expected else "."))
    return body


def teaching(slug: str):
    """The course `slug` when the token's user teaches it; 404 for anyone else, as for a course
    that does not exist."""
    course, enrollment = membership(api_user(), slug)
    if enrollment.role != "instructor":
        abort(404, description=f"You have no course '{slug[:64]}'. Check the course name.")
    return course


@bp.post("/submissions")
def create_submission():
    body = json_body("'course', 'exercise' and 'code'")
    for key in ("course", "exercise"):
        if not isinstance(body.get(key), str) or not body[key]:
            abort(400, description=f"'{key}' is missing; expected the {key} slug as a string.")
    target = submit_target(api_user(), body["course"], body["exercise"])
    limit_submissions(api_user())
    deadline = target.deadline                  # read once: refusal and answer
    try:
        sub = queue.enqueue(db(), api_user(), target.exercise, body.get("code"),
                            current_app.config["MAX_CODE_KB"], deadline, target.enrollment.role)
    except queue.RejectedSubmission as e:
        db().rollback()
        abort(e.status, description=str(e))
    db().commit()
    wakeup.notify(current_app.config["INSTANCE"])
    return jsonify(id=sub.id, status=sub.status, **present.lateness(sub, deadline),
                   url=url_for("api.get_submission", sid=sub.id, _external=True)), 202


@bp.get("/submissions/<int:sid>")
def get_submission(sid: int):
    sub, enrollment = visible_submission(api_user(), sid)
    return jsonify(present.submission_json(
        sub, enrollment.role, url_for("api.get_submission", sid=sub.id, _external=True)))


@bp.get("/courses")
def courses():
    rows = db().scalars(select(Enrollment).where(Enrollment.user_id == api_user().id)).all()
    return jsonify(courses=[{"slug": e.course.slug, "title": e.course.title, "role": e.role}
                            for e in rows])


@bp.get("/courses/<slug>/exercises")
def exercises(slug: str):
    course, _ = membership(api_user(), slug)
    stats = {r.exercise_id: (r.best, r.n) for r in db().execute(
        select(Submission.exercise_id, func.max(Submission.score).label("best"),
               func.count().label("n"))
        .where(Submission.user_id == api_user().id).group_by(Submission.exercise_id))}
    out = []
    for ex in course.exercises:
        if ex.position is None or ex.current_version_id is None:
            continue
        best, n = stats.get(ex.id, (None, 0))
        out.append({"slug": ex.slug, "title": ex.title, "points": ex.points,
                    "submission_file": engine_exercise(ex).submission,
                    "version": ex.current_version.content_hash[:16],
                    "best_score": best, "attempts": n,
                    "bundle_url": url_for("api.bundle", slug=slug, ex_slug=ex.slug, _external=True)})
    return jsonify(course=course.slug, title=course.title, exercises=out)


@bp.get("/courses/<slug>/exercises/<ex_slug>/bundle")
def bundle(slug: str, ex_slug: str):
    course, _ = membership(api_user(), slug)
    ex = course_exercise(course, ex_slug)
    return Response(student_bundle(engine_exercise(ex)), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{ex.slug}.zip"'})
