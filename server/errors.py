"""Error pages for people and JSON errors for the API: every error says what happened in one
short sentence; nothing from the request is echoed unescaped.
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, NotFound

DEFAULT_MESSAGES = {
    400: "The request could not be understood.",
    401: "Log in first (the API needs an Authorization: Bearer token).",
    404: "Not found. It may not exist, or you may not have access to it.",
    405: "This address does not accept that method.",
    413: "That is too large. Submit only the exercise file.",
    429: "Too many attempts. Wait a few minutes and try again.",
    500: "Something went wrong on the server. Try again; if it keeps happening, tell your instructor.",
}


def message_for(e: HTTPException) -> str:
    code = e.code or 500
    desc = e.description if isinstance(e.description, str) else ""
    if desc and desc != type(e).description:   # a message we wrote, not werkzeug's default text
        return desc
    return DEFAULT_MESSAGES.get(code, e.name)


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        code = e.code or 500
        if request.path.startswith("/api/") or request.path == "/healthz" or _wants_json():
            resp = jsonify(error=message_for(e), status=code)
        else:
            resp = app.make_response((render_template("error.html", code=code,
                                                      message=message_for(e)), code))
        resp.status_code = code
        for h in ("Retry-After", "WWW-Authenticate"):
            if e.get_headers() and dict(e.get_headers()).get(h):
                resp.headers[h] = dict(e.get_headers())[h]
        return resp

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def out_of_range(e):
        """A number too large for the database (an id from a query string) names no row."""
        too_large = ("SQLite INTEGER" in str(e) if isinstance(e, OverflowError)
                     else type(e.orig).__name__ == "NumericValueOutOfRange")
        if not too_large:
            raise e
        return http_error(NotFound())


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"
