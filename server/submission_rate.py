"""The submission rate limit shared by the page and the API: a user may queue at most
RATE_LIMIT_SUBMIT = (count, seconds) submissions per window.
"""
from __future__ import annotations

from flask import current_app
from werkzeug.exceptions import TooManyRequests

from server import ratelimit
from server.models import User
from server.web import db


def limit_submissions(user: User) -> None:
    limit, window = current_app.config["RATE_LIMIT_SUBMIT"]
    ok = ratelimit.allow(db(), f"submit:user:{user.id}", limit, window)
    if not ok:
        db().rollback()
        raise TooManyRequests(f"You submitted {limit} times in {max(1, window // 60)} minutes. "
                              f"Wait a little, read the feedback, and submit again.",
                              retry_after=ratelimit.retry_after(window))
