"""Failed logins and sign-ups slow down the one who fails, not the account: delays grow for one
email *from one address*, an address has a ceiling over all emails, and sign-ups count apart.

A stranger guessing a student's password from elsewhere never delays the student's own login.
"""
from __future__ import annotations

import hashlib
import math

from flask import current_app, request
from werkzeug.exceptions import TooManyRequests

from server import ratelimit
from server.db import utcnow
from server.web import db

PAIR_WINDOW = 3600          # failures of one email from one address are remembered this long


def _pair_key(email: str) -> str:
    digest = hashlib.sha256(f"{email}\n{request.remote_addr}".encode()).hexdigest()[:40]
    return f"login:pair:{digest}"


def _address_key(kind: str) -> str:
    return f"{kind}:ip:{request.remote_addr}"


def _refuse(seconds: float, what: str) -> TooManyRequests:
    seconds = max(1, math.ceil(seconds))
    wait = f"{seconds} seconds" if seconds < 120 else f"{math.ceil(seconds / 60)} minutes"
    return TooManyRequests(f"Too many failed {what} from your network. Wait {wait} and try again.",
                           retry_after=seconds)


def pair_wait(email: str) -> float:
    """Seconds this address must still wait before trying `email` again (0: it may try now)."""
    free, first, cap = current_app.config["LOGIN_LOCKOUT"]
    failures, last = ratelimit.recent(db(), _pair_key(email), PAIR_WINDOW)
    if failures < free or last is None:
        return 0.0
    delay = min(cap, first * 2 ** (failures - free))
    return max(0.0, delay - (utcnow() - last).total_seconds())


def check_login(email: str) -> None:
    """429 (even for the right password) while this address must wait for this email, or when
    this address failed too often for any email."""
    limit, window = current_app.config["RATE_LIMIT_LOGIN"]
    if ratelimit.exceeded(db(), _address_key("login"), limit, window):
        raise _refuse(window, "logins")
    wait = pair_wait(email)
    if wait > 0:
        raise _refuse(wait, "logins for this email")


def login_failed(email: str) -> None:
    ratelimit.record(db(), _pair_key(email))
    ratelimit.record(db(), _address_key("login"))
    db().commit()


def login_succeeded(email: str) -> None:
    """A right password wipes the slate for this email from this address (the caller commits)."""
    ratelimit.forget(db(), _pair_key(email))


def check_signup() -> None:
    limit, window = current_app.config["RATE_LIMIT_SIGNUP"]
    if ratelimit.exceeded(db(), _address_key("signup"), limit, window):
        raise _refuse(window, "sign-ups")


def signup_failed() -> None:
    ratelimit.record(db(), _address_key("signup"))
    db().commit()
