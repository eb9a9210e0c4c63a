"""Accounts in the browser: log in and out, sign up with a join code, CSRF on every form, sessions
the server ends (a saved cookie stops working), a fresh CSRF token at login, redirects only to
this site, and the password and email rules; passwords are never stored in clear."""
from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from graders.cli.main import _load_plugins, cli
from server.models import Course, Enrollment, User
from server.passwords import password_problem
from tests.server.conftest import COURSE, EXERCISE, PASSWORD, csrf, gen_user, login, make_app

COOKIE = "tracegrade_session"


def saved_cookie(client) -> str:
    return client.get_cookie(COOKIE).value


def with_cookie(app, value: str):
    """A second browser holding a copy of someone's session cookie."""
    other = app.test_client()
    other.set_cookie(COOKIE, value)
    return other


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


def test_a_saved_cookie_stops_working_after_logout(app, dbs):
    gen_user(dbs, "ada@example.org")
    client = app.test_client()
    login(client, "ada@example.org")
    copy = with_cookie(app, saved_cookie(client))
    assert copy.get(f"/c/{COURSE}").status_code == 200
    token = csrf(copy)
    client.post("/logout", data={"csrf_token": csrf(client)})
    assert copy.get(f"/c/{COURSE}").status_code == 302
    r = copy.post(f"/c/{COURSE}/{EXERCISE}/submit", data={"code": "x = 1\n", "csrf_token": token},
                  headers={"Accept": "application/json"})
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_a_password_reset_from_the_cli_ends_every_session(app, dbs, instance):
    gen_user(dbs, "ada@example.org")
    client = app.test_client()
    login(client, "ada@example.org")
    assert client.get(f"/c/{COURSE}").status_code == 200
    _load_plugins()
    r = CliRunner().invoke(cli, ["users", "create", "ada@example.org", "--password",
                                 "a new long passphrase", "--instance", str(instance)])
    assert r.exit_code == 0, r.output
    assert client.get(f"/c/{COURSE}").status_code == 302
    assert login(app.test_client(), "ada@example.org").status_code == 401
    assert login(app.test_client(), "ada@example.org", "a new long passphrase").status_code == 302


def test_a_session_ends_at_its_lifetime_even_when_used(instance):
    app = make_app(instance, PERMANENT_SESSION_LIFETIME=3600)
    with app.extensions["tracegrade.db"].sessions() as s:
        gen_user(s, "ada@example.org")
    client = app.test_client()
    login(client, "ada@example.org")
    assert client.get(f"/c/{COURSE}").status_code == 200
    with client.session_transaction() as sess:      # logged in 61 minutes ago, used since
        sess["login_at"] -= 3660
    assert client.get(f"/c/{COURSE}").status_code == 302
    app.extensions["tracegrade.db"].dispose()


def test_the_csrf_token_changes_at_login(app, dbs):
    gen_user(dbs, "ada@example.org")
    client = app.test_client()
    client.get("/login")
    before = csrf(client)
    login(client, "ada@example.org")
    client.get(f"/c/{COURSE}")
    assert csrf(client) != before
    r = client.post("/logout", data={"csrf_token": before})
    assert r.status_code == 400                     # a token planted before login is useless


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
    client = app.test_client()
    client.get("/signup")
    r = client.post("/signup", data=dict(form, join_code=code, csrf_token=csrf(client)))
    assert r.status_code == 400 and "exists" in r.get_data(as_text=True)


@pytest.mark.parametrize("password, says", [
    ("12345678", "at least 10"), ("password", "at least 10"), (" " * 12, "only spaces"),
    ("grace@example.org", "email"), ("GRACE@example.org ", "email"), ("qwerty123456", "common"),
    ("zzzzzzzzzzzz", "common")])
def test_signup_refuses_weak_passwords(app, dbs, password, says):
    code = dbs.scalar(select(Course.join_code).where(Course.slug == COURSE))
    client = app.test_client()
    client.get("/signup")
    r = client.post("/signup", data={"email": "grace@example.org", "password": password,
                                     "join_code": code, "csrf_token": csrf(client)})
    assert r.status_code == 400 and says in r.get_data(as_text=True)
    assert dbs.scalar(select(User).where(User.email == "grace@example.org")) is None


def test_the_password_policy_accepts_a_passphrase():
    assert password_problem("correct horse battery", "grace@example.org") is None
    assert "email" in password_problem("grace12345", "grace12345@example.org")


@pytest.mark.parametrize("email", ['<b>x</b>@example.org', 'a"b@example.org', "o'b@example.org",
                                   "ada@exa>mple.org", "ada @example.org", "ada@example"])
def test_signup_refuses_emails_with_markup_or_quotes(app, dbs, email):
    code = dbs.scalar(select(Course.join_code).where(Course.slug == COURSE))
    client = app.test_client()
    client.get("/signup")
    r = client.post("/signup", data={"email": email, "password": "long enough pw",
                                     "join_code": code, "csrf_token": csrf(client)})
    assert r.status_code == 400 and "valid email" in r.get_data(as_text=True)


@pytest.mark.parametrize("target", [
    "//evil.example/", "/%09/evil.example/phish", "/\t/evil.example/", "\\\\evil.example",
    "/\\evil.example", "/\r\nSet-Cookie: x=1", "/ok\nLocation: //evil.example",
    "javascript:alert(1)", "https://evil.example/", "/%0a/evil.example", "evil.example"])
def test_open_redirect_after_login_is_refused(app, dbs, target):
    gen_user(dbs, "ada@example.org")
    client = app.test_client()
    r = client.get("/login", query_string={"next": target})
    assert r.status_code == 200
    r = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD,
                                    "next": target.replace("%09", "\t").replace("%0a", "\n"),
                                    "csrf_token": csrf(client)})
    assert r.status_code == 302 and r.headers["Location"] == "/", r.headers["Location"]


def test_the_login_page_follows_a_path_on_this_site(app, dbs):
    gen_user(dbs, "ada@example.org")
    client = app.test_client()
    r = client.get(f"/c/{COURSE}/{EXERCISE}")
    assert r.status_code == 302
    client.get(r.headers["Location"])
    r = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD,
                                    "next": f"/c/{COURSE}/{EXERCISE}?tab=1", "csrf_token": csrf(client)})
    assert r.headers["Location"] == f"/c/{COURSE}/{EXERCISE}?tab=1"


def test_the_cli_applies_the_same_email_and_password_rules(instance):
    _load_plugins()
    for email, password, says in (("<b>@example.org", "a long passphrase", "valid email"),
                                  ("ada@example.org", "password123", "common"),
                                  ("ada@example.org", "ada@example.org", "email")):
        r = CliRunner().invoke(cli, ["users", "create", email, "--password", password,
                                     "--instance", str(instance)])
        assert r.exit_code == 2 and says in r.output, r.output
