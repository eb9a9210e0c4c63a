"""The account page: changing the password checks the current one and the policy, keeps this
browser logged in and ends every other session; API tokens are shown once, work, and can be
revoked only by their owner."""
from __future__ import annotations

import re

from sqlalchemy import select

from server.models import ApiToken
from tests.server.conftest import COURSE, PASSWORD, csrf, gen_token, gen_user, login, make_app
from tests.server.test_auth import saved_cookie, with_cookie

NEW = "a much longer passphrase"


def logged_in(app, dbs, email="ada@example.org"):
    gen_user(dbs, email)
    client = app.test_client()
    login(client, email)
    return client


def change(client, current, new, confirm=None):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new,
        "confirm_password": new if confirm is None else confirm, "csrf_token": csrf(client)})


def test_changing_the_password_ends_the_other_sessions_only(app, dbs):
    client = logged_in(app, dbs)
    other_device = with_cookie(app, saved_cookie(client))
    assert other_device.get(f"/c/{COURSE}").status_code == 200
    r = change(client, PASSWORD, NEW)
    assert r.status_code == 302
    assert "logged out everywhere else" in client.get("/account").get_data(as_text=True)
    assert client.get(f"/c/{COURSE}").status_code == 200
    assert other_device.get(f"/c/{COURSE}").status_code == 302
    assert login(app.test_client(), "ada@example.org", NEW).status_code == 302


def test_a_wrong_current_password_or_a_weak_new_one_changes_nothing(app, dbs):
    client = logged_in(app, dbs)
    cases = [(("wrong one", NEW), "current password"), ((PASSWORD, "password123"), "common"),
             ((PASSWORD, "short"), "at least 10"), ((PASSWORD, "ada@example.org"), "email"),
             ((PASSWORD, NEW, NEW + "!"), "differ")]
    for args, says in cases:
        r = change(client, *args)
        assert r.status_code == 400 and says in r.get_data(as_text=True), args
    assert login(app.test_client(), "ada@example.org").status_code == 302


def test_a_token_is_shown_once_works_and_can_be_revoked(app, dbs):
    client = logged_in(app, dbs)
    r = client.post("/account/tokens", data={"csrf_token": csrf(client)})
    assert r.status_code == 201
    token = re.search(r"(tg_[A-Za-z0-9_-]+)", r.get_data(as_text=True)).group(1)
    assert token not in client.get("/account").get_data(as_text=True)      # shown once
    api = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/courses", headers=auth).status_code == 200
    tid = dbs.scalar(select(ApiToken.id))
    r = client.post(f"/account/tokens/{tid}/revoke", data={"csrf_token": csrf(client)})
    assert r.status_code == 302
    assert api.get("/api/v1/courses", headers=auth).status_code == 401


def test_nobody_revokes_another_users_token(app, dbs):
    victim = gen_user(dbs, "victim@example.org")
    gen_token(dbs, victim)
    tid = dbs.scalar(select(ApiToken.id))
    client = logged_in(app, dbs)
    for t in (tid, 2**40):
        r = client.post(f"/account/tokens/{t}/revoke", data={"csrf_token": csrf(client)})
        assert r.status_code == 404
    dbs.expire_all()
    assert dbs.scalar(select(ApiToken.id)) == tid


def test_the_account_page_needs_a_login(app):
    r = app.test_client().get("/account")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_guessing_the_current_password_is_slowed_down_as_at_login(instance):
    app = make_app(instance, LOGIN_LOCKOUT=(2, 30, 900))
    with app.extensions["tracegrade.db"].sessions() as s:
        gen_user(s, "ada@example.org")
    client = app.test_client()
    login(client, "ada@example.org")
    codes = [change(client, f"guess {i}", NEW).status_code for i in range(3)]
    assert codes == [400, 400, 429]
    assert change(client, PASSWORD, NEW).status_code == 429
    app.extensions["tracegrade.db"].dispose()


def test_every_page_links_to_the_account_page(app, dbs):
    client = logged_in(app, dbs)
    page = client.get(f"/c/{COURSE}").get_data(as_text=True)
    assert 'href="/account">Account</a>' in page
