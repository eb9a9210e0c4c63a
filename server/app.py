"""The Flask app factory. Creating an app has no side effects: no files, no migrations, no
connections; `tracegrade db upgrade` (or `serve`) prepares the instance folder and the schema.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, g, request

from server import config as cfg
from server.db import Database
from server.security import check_csrf, csrf_token


class ConfigurationError(RuntimeError):
    """The instance is not ready; the message says which command prepares it."""


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app from the instance folder (TRACEGRADE_INSTANCE or ./instance) and
    `test_config`, which overrides everything (tests pass INSTANCE, DATABASE_URL, SECRET_KEY)."""
    test_config = dict(test_config or {})
    instance = cfg.instance_dir(test_config.get("INSTANCE"))
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=True)
    app.config.from_mapping(cfg.settings(instance, test_config))
    if not app.config.get("SECRET_KEY"):
        raise ConfigurationError(
            f"No secret key in {instance}. Run `tracegrade db upgrade` (or `tracegrade serve`) "
            f"once to prepare the instance folder, or set TRACEGRADE_SECRET_KEY.")
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    if isinstance(lifetime, (int, float)):
        app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=lifetime)
    app.extensions["tracegrade.db"] = Database(app.config["DATABASE_URL"])

    app.before_request(check_csrf)
    app.teardown_appcontext(_close_session)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.after_request(_security_headers)

    from server import api, auth, errors, instructor, student
    app.register_blueprint(auth.bp)
    app.register_blueprint(student.bp)
    app.register_blueprint(instructor.bp)
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    errors.init_app(app)
    return app


def _close_session(_exc) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'")
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
