"""Browser sessions the server can end: Flask-Login keeps "user id:session version" in the signed
cookie, and a session whose version is older than the user's, or older than its lifetime, is over.
"""
from __future__ import annotations

import time

from flask import Flask, current_app, session
from flask_login import LoginManager, UserMixin, login_user, logout_user

from server.models import User
from server.security import csrf_token
from server.web import db

LOGIN_AT = "login_at"


class SignedIn(UserMixin):
    """Flask-Login's user: a User row, identified by its id and its current session version."""

    def __init__(self, user: User):
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_version or 0}"


def _load(session_id: str) -> SignedIn | None:
    uid, _, version = session_id.partition(":")
    if not (session_id.isascii() and uid.isdigit() and version.isdigit()) or len(uid) > 10:
        return None
    user = db().get(User, int(uid))
    if user is None or (user.session_version or 0) != int(version):
        return None                      # logged out, or the password changed since
    started = session.get(LOGIN_AT)
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if not isinstance(started, (int, float)) or time.time() - started > lifetime:
        return None                      # the lifetime counts from login; requests do not extend it
    return SignedIn(user)


def init_app(app: Flask) -> None:
    manager = LoginManager()
    manager.user_loader(_load)
    manager.session_protection = "basic"
    manager.init_app(app)


def start(user: User) -> None:
    """Log `user` in on a new session: nothing of the session before it survives, and it gets
    a new CSRF token."""
    session.clear()
    session.permanent = True
    session[LOGIN_AT] = int(time.time())
    login_user(SignedIn(user))
    csrf_token()


def end() -> None:
    """Forget the session of this browser."""
    logout_user()
    session.clear()
