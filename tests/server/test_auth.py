"""Accounts in the browser: log in and out, sign up with a join code, CSRF on every form, and rate
limits on login; passwords are never stored in clear."""
from __future__ import annotations

from sqlalchemy import select

from server.models import Course, Enrollment, User
from tests.server.conftest import COURSE, PASSWORD, csrf, gen_user, login, make_app


def test_login_logout(app, dbs):
    gen_user(dbs, "ada@example.org")
    client = app.test_client()
    assert client.get("/").status_code == 302           # anonymous: to the login page
    r = login(client, "ada@example.org")
    assert r.status_code == 302
    assert client.get(f"/c/{COURSE}").status_code == 200
    r = client.post("/logout", data={"csrf_token": csrf(client)})
    assert r.status_code == 302
    assert client.get(f"/c/{COURSE}").status_code == 302


def test_wrong_password_is_refused_kindly(app, dbs):
    gen_user(dbs, "ada@example.org")
    client = app.test_client()
    r = login(client, "ada@example.org", "wrong password")
    assert r.status_code == 401
    assert "do not match" in r.get_data(as_text=True)
    assert client.get(f"/c/{COURSE}").status_code == 302


def test_password_is_hashed(app, dbs):
    user = gen_user(dbs, "ada@example.org")
    assert PASSWORD not in user.password_hash and user.password_hash.startswith(("scrypt", "pbkdf2"))


def test_forms_without_csrf_token_change_nothing(app, dbs):
    gen_user(dbs, "ada@example.org")
    client = app.test_client()
    r = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    assert r.status_code == 400 and "expired" in r.get_data(as_text=True)
    login(client, "ada@example.org")
    r = client.post(f"/c/{COURSE}/one-training-step/submit", data={"code": "x = 1\n", "csrf_token": "forged"})
    assert r.status_code == 400
    r = client.post("/logout")
    assert r.status_code == 400
    assert client.get(f"/c/{COURSE}").status_code == 200      # still logged in


def test_signup_with_join_code(app, dbs):
    code = dbs.scalar(select(Course.join_code).where(Course.slug == COURSE))
    client = app.test_client()
    client.get("/signup")
    form = {"email": "Grace@Example.org", "password": "long enough pw", "csrf_token": csrf(client)}
    r = client.post("/signup", data=dict(form, join_code="not-a-code"))
    assert r.status_code == 400 and "join code" in r.get_data(as_text=True)
    r = client.post("/signup", data=dict(form, join_code=code))
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/c/{COURSE}")
    user = dbs.scalar(select(User).where(User.email == "grace@example.org"))
    role = dbs.scalar(select(Enrollment.role).where(Enrollment.user_id == user.id))
    assert role == "student"
    r = client.post("/signup", data=dict(form, join_code=code))   # same email again
    assert r.status_code == 400 and "exists" in r.get_data(as_text=True)


def test_login_is_rate_limited(instance):
    app = make_app(instance, RATE_LIMIT_LOGIN=(3, 300))
    with app.extensions["tracegrade.db"].sessions() as s:
        gen_user(s, "ada@example.org")
    client = app.test_client()
    codes = [login(client, "ada@example.org", "guess").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    r = login(client, "ada@example.org")        # even the right password waits
    assert r.status_code == 429 and "Wait" in r.get_data(as_text=True)
    app.extensions["tracegrade.db"].dispose()


def test_successful_logins_do_not_count(instance):
    """A classroom behind one address logs in at once: only failures are limited."""
    app = make_app(instance, RATE_LIMIT_LOGIN=(2, 300))
    with app.extensions["tracegrade.db"].sessions() as s:
        for i in range(25):
            gen_user(s, f"s{i}@example.org")
    codes = {login(app.test_client(), f"s{i}@example.org").status_code for i in range(25)}
    assert codes == {302}
    app.extensions["tracegrade.db"].dispose()


def test_open_redirect_after_login_is_refused(app, dbs):
    gen_user(dbs, "ada@example.org")
    client = app.test_client()
    client.get("/login")
    r = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD,
                                    "next": "//evil.example/", "csrf_token": csrf(client)})
    assert r.headers["Location"] == "/"
