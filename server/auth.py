"""Accounts in the browser: sign up with a course join code, log in, log out. Failed attempts are
rate limited per email and per address (a classroom behind one address can still log in at once);
sessions are signed cookies (HttpOnly, SameSite, Secure).
"""
from __future__ import annotations

import re

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   session, url_for)
from sqlalchemy import select
from werkzeug.exceptions import TooManyRequests

from server import ratelimit
from server.models import Course, Enrollment, User
from server.security import MIN_PASSWORD, check_password, hash_password
from server.web import current_user, db

bp = Blueprint("auth", __name__)
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{1,60}$")
# a hash to compare against when the email is unknown, so both cases take the same time
_DUMMY_HASH = hash_password("not-a-real-password")


def _keys(email: str) -> list[tuple[str, int]]:
    limit, _ = current_app.config["RATE_LIMIT_LOGIN"]
    return [(f"login:ip:{request.remote_addr}", limit * 10), (f"login:email:{email}", limit)]


def _limit_login(email: str) -> None:
    """429 when this email or this address failed too often recently (even a right password)."""
    _, window = current_app.config["RATE_LIMIT_LOGIN"]
    if any(ratelimit.exceeded(db(), key, n, window) for key, n in _keys(email)):
        raise TooManyRequests(f"Too many failed attempts. Wait {window // 60 or 1} minutes and "
                              f"try again.", retry_after=ratelimit.retry_after(window))


def _failed(email: str) -> None:
    for key, _ in _keys(email):
        ratelimit.record(db(), key)
    db().commit()


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("student.home")


def log_in(user: User) -> None:
    token = session.get("csrf_token")
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    if token:
        session["csrf_token"] = token


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if current_user():
            return redirect(url_for("student.home"))
        return render_template("login.html", next=request.args.get("next", ""))
    email = request.form.get("email", "").strip().lower()[:254]
    password = request.form.get("password", "")
    _limit_login(email)
    user = db().scalar(select(User).where(User.email == email))
    if not check_password(user.password_hash if user else _DUMMY_HASH, password) or user is None:
        _failed(email)
        flash("That email and password do not match. Check both and try again.", "error")
        return render_template("login.html", next=request.form.get("next", ""), email=email), 401
    log_in(user)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout():
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if request.method == "GET":
        return render_template("signup.html", code=request.args.get("code", ""))
    email = request.form.get("email", "").strip().lower()
    password = request.form.get("password", "")
    code = request.form.get("join_code", "").strip()
    _limit_login(email[:254])
    problem = None
    course = db().scalar(select(Course).where(Course.join_code == code)) if code else None
    if not EMAIL_RE.match(email):
        problem = "Enter a valid email address, such as ada@example.org."
    elif len(password) < MIN_PASSWORD:
        problem = f"Choose a password of at least {MIN_PASSWORD} characters."
    elif course is None:
        problem = "That join code does not match a course. Ask your instructor for the code."
    elif db().scalar(select(User).where(User.email == email)):
        problem = "An account with this email exists. Log in instead."
    if problem:
        _failed(email[:254])
        flash(problem, "error")
        return render_template("signup.html", code=code, email=email), 400
    user = User(email=email, password_hash=hash_password(password))
    db().add(user)
    db().flush()
    db().add(Enrollment(user_id=user.id, course_id=course.id, role="student"))
    db().commit()
    log_in(user)
    return redirect(url_for("student.course", slug=course.slug))


def require_role(enrollment: Enrollment, role: str) -> None:
    if enrollment.role != role:
        abort(404)
