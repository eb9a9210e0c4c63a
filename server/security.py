"""Secrets handled by the server: password hashes, API tokens (shown once, stored as sha256),
course join codes, and the per-session CSRF token every form carries.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import abort, current_app, request, session
from werkzeug.security import check_password_hash, generate_password_hash

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
TOKEN_PREFIX = "tg_"


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def check_password(stored_hash: str, password: str) -> bool:
    return check_password_hash(stored_hash, password)


def new_api_token() -> tuple[str, str]:
    """(token to show once, hash to store)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_join_code() -> str:
    return secrets.token_urlsafe(6).replace("-", "x").replace("_", "y")


def csrf_token() -> str:
    """This session's CSRF token (made on first use); templates put it in every form."""
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


def check_csrf() -> None:
    """Abort with 400 unless a state-changing request carries this session's token.
    The JSON API is exempt: it authenticates with bearer tokens, never with cookies."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.blueprint == "api":
        return
    if current_app.config.get("CSRF_DISABLED"):
        return
    expected = session.get(CSRF_FIELD)
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(str(expected), str(sent)):
        abort(400, description="This form has expired. Reload the page and try again.")
