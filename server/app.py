"""The Flask app factory. Creating an app has no side effects: no files, no migrations, no
connections; `tracegrade db upgrade` (or `serve`) prepares the instance folder and the schema.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, abort, current_app, g, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from server import config as cfg
from server.db import Database
from server.health import bp as health_bp
from server.security import check_csrf, csrf_token

MAX_ID = 2**31 - 1          # the largest id a row can have (a 32-bit SQL integer)
MAX_PAGE = 1_000_000
PAGE_ARGS = ("page", "per_page")


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a number past any id is "not found", not a server error."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


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
    if app.config.get("BROKER_URL"):      # scale-out: a Celery task after each queueing commit
        from server.grading import dispatch
        dispatch.init_app(app)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:      # the client address is the one the last N proxies saw
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.url_map.converters["int"] = IdConverter

    app.before_request(_check_page_args)
    app.before_request(check_csrf)
    app.teardown_appcontext(_close_session)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.after_request(_security_headers)

    from server import account, api, auth, errors, instructor, sessions, student
    sessions.init_app(app)
    app.register_blueprint(health_bp)          # /healthz, /metrics, 503 for a lost database
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(student.bp)
    app.register_blueprint(instructor.bp)
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    errors.init_app(app)
    return app


def _close_session(_exc) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()


def _check_page_args() -> None:
    """A page number in any query string is a whole number from 1 to MAX_PAGE, or 400."""
    for name in PAGE_ARGS:
        value = request.args.get(name)
        if value is not None and not (value.isascii() and value.isdigit() and len(value) <= 7
                                      and 1 <= int(value) <= MAX_PAGE):
            abort(400, description=f"'{name}' must be a whole number from 1 to {MAX_PAGE:,}.")


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'")
    if request.endpoint != "static":     # pages hold a user's data and a CSRF token
        response.headers["Cache-Control"] = "no-store"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response

