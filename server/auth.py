"""Accounts in the browser: sign up with a course join code, log in, log out. Failed attempts slow
down the one failing (server.lockout); sessions can be ended by the server (server.sessions);
after login only paths on this site are followed.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (Blueprint, abort, flash, redirect, render_template, request, url_for)
from sqlalchemy import select

from server import lockout, sessions
from server.models import Course, Enrollment, User
from server.passwords import email_problem, end_sessions, password_problem
from server.security import check_password, hash_password
from server.web import current_user, db

bp = Blueprint("auth", __name__)
# a hash to compare against when the email is unknown, so both cases take the same time
_DUMMY_HASH = hash_password("not-a-real-password")


def safe_next(target: str | None) -> str:
    """`target` when it is a path on this site, else the home page. Browsers drop tabs and
    newlines and read a backslash as a slash, so any of them (or `//`) means another site."""
    home = url_for("student.home")
    if not target or len(target) > 2000 or not target.startswith("/"):
        return home
    if any(c in target for c in "\\\t\r\n ") or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return home
    parts = urlsplit(target)
    if target.startswith("//") or parts.scheme or parts.netloc:
        return home
    return target


def log_in(user: User) -> None:
    sessions.start(user)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if current_user():
            return redirect(url_for("student.home"))
        return render_template("login.html", next=request.args.get("next", "")[:2000])
    email = request.form.get("email", "").strip().lower()[:254]
    password = request.form.get("password", "")
    lockout.check_login(email)
    user = db().scalar(select(User).where(User.email == email))
    if not check_password(user.password_hash if user else _DUMMY_HASH, password) or user is None:
        lockout.login_failed(email)
        flash("That email and password do not match. Check both and try again.", "error")
        return render_template("login.html", next=request.form.get("next", "")[:2000],
                               email=email), 401
    lockout.login_succeeded(email)
    db().commit()
    log_in(user)
    return redirect(safe_next(request.form.get("next")))


@bp.post("/logout")
def logout():
    """Ends every session of this user (a copied cookie too), not only this browser's."""
    user = current_user()
    if user is not None:
        end_sessions(user)
        db().commit()
    sessions.end()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


def _signup_problem(email: str, password: str, course: Course | None) -> str | None:
    if problem := email_problem(email):
        return problem
    if course is None:
        return "That join code does not match a course. Ask your instructor for the code."
    if problem := password_problem(password, email):
        return problem
    if db().scalar(select(User).where(User.email == email)):
        return "An account with this email exists. Log in instead."
    return None


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if request.method == "GET":
        return render_template("signup.html", code=request.args.get("code", "")[:64])
    email = request.form.get("email", "").strip().lower()[:300]
    password = request.form.get("password", "")
    code = request.form.get("join_code", "").strip()[:64]
    lockout.check_signup()
    course = db().scalar(select(Course).where(Course.join_code == code)) if code else None
    problem = _signup_problem(email, password, course)
    if problem:
        lockout.signup_failed()
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
