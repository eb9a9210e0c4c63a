"""The account page of the logged-in user: change the password (which ends every other session)
and create or revoke their own API tokens (a new token is shown once, stored only as a hash).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from server import lockout, sessions
from server.models import ApiToken
from server.passwords import password_problem, set_password
from server.security import check_password, new_api_token
from server.web import current_user, db, login_required

bp = Blueprint("account", __name__)
MAX_TOKENS = 20


def _page(status: int = 200, new_token: str | None = None):
    tokens = db().scalars(select(ApiToken).where(ApiToken.user_id == current_user().id)
                          .order_by(ApiToken.id.desc())).all()
    return render_template("account.html", tokens=tokens, new_token=new_token,
                           max_tokens=MAX_TOKENS), status


@bp.get("/account")
@login_required
def account():
    return _page()


@bp.post("/account/password")
@login_required
def change_password():
    user = current_user()
    new = request.form.get("new_password", "")
    lockout.check_login(user.email)           # guessing it here is slowed down as at login
    if not check_password(user.password_hash, request.form.get("current_password", "")):
        lockout.login_failed(user.email)
        flash("Your current password is not right. Type it again.", "error")
        return _page(400)
    problem = password_problem(new, user.email)
    if problem is None and new != request.form.get("confirm_password", ""):
        problem = "The two new passwords differ. Type the same one twice."
    if problem:
        flash(problem, "error")
        return _page(400)
    set_password(user, new)           # every session of this user ends ...
    db().commit()
    sessions.start(user)              # ... but this browser's, which starts afresh
    flash("Your password is changed. You were logged out everywhere else.", "info")
    return redirect(url_for("account.account"))


@bp.post("/account/tokens")
@login_required
def create_token():
    user = current_user()
    count = len(db().scalars(select(ApiToken.id).where(ApiToken.user_id == user.id)).all())
    if count >= MAX_TOKENS:
        flash(f"You have {MAX_TOKENS} tokens. Revoke one you no longer use first.", "error")
        return _page(400)
    token, digest = new_api_token()
    db().add(ApiToken(user_id=user.id, token_hash=digest))
    db().commit()
    return _page(201, new_token=token)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    row = db().get(ApiToken, token_id)
    if row is None or row.user_id != current_user().id:
        abort(404)
    db().delete(row)
    db().commit()
    flash(f"Token #{token_id} is revoked: programs using it can no longer log in.", "info")
    return redirect(url_for("account.account"))
