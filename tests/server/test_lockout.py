"""Failed logins slow down the one failing: one email from one address waits longer after each
failure past the free ones, a stranger elsewhere cannot lock a student out, an address has a
ceiling over all emails, and failed sign-ups have their own counter."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.models import Course, RateEvent
from tests.server.conftest import COURSE, csrf, gen_user, login, make_app

STRANGER = {"REMOTE_ADDR": "203.0.113.66"}
STUDENT = {"REMOTE_ADDR": "198.51.100.7"}


def client_at(app, environ):
    client = app.test_client()
    client.environ_base.update(environ)
    return client


def age_events(s, seconds: float) -> None:
    """Move every recorded failure `seconds` into the past (as if that long had passed)."""
    s.expire_all()
    for event in s.scalars(select(RateEvent)):
        event.at -= timedelta(seconds=seconds)
    s.commit()


def test_a_stranger_cannot_lock_a_student_out(instance):
    app = make_app(instance, LOGIN_LOCKOUT=(3, 30, 900))
    with app.extensions["tracegrade.db"].sessions() as s:
        gen_user(s, "ada@example.org")
    stranger = client_at(app, STRANGER)
    codes = [login(stranger, "ada@example.org", "guess").status_code for _ in range(12)]
    assert codes[:3] == [401] * 3 and set(codes[3:]) == {429}
    assert login(client_at(app, STUDENT), "ada@example.org").status_code == 302
    app.extensions["tracegrade.db"].dispose()


def test_delays_grow_with_each_failure_and_hold_even_for_the_right_password(instance):
    app = make_app(instance, LOGIN_LOCKOUT=(2, 30, 900))
    db = app.extensions["tracegrade.db"]
    with db.sessions() as s:
        gen_user(s, "ada@example.org")
        client = client_at(app, STUDENT)
        assert [login(client, "ada@example.org", "guess").status_code for _ in range(2)] == [401, 401]
        r = login(client, "ada@example.org")                # right password, but must wait
        assert r.status_code == 429 and "Wait" in r.get_data(as_text=True)
        assert 1 <= int(r.headers["Retry-After"]) <= 30
        age_events(s, 31)
        assert login(client, "ada@example.org", "guess").status_code == 401
        r = login(client, "ada@example.org")
        assert r.status_code == 429 and 30 < int(r.headers["Retry-After"]) <= 60   # doubled
        age_events(s, 61)
        assert login(client, "ada@example.org").status_code == 302
        # a success wipes the slate: the next typo is free again
        assert login(client_at(app, STUDENT), "ada@example.org", "typo").status_code == 401
    db.dispose()


def test_an_address_has_a_ceiling_over_all_emails(instance):
    app = make_app(instance, RATE_LIMIT_LOGIN=(4, 300))
    client = client_at(app, STRANGER)
    codes = [login(client, f"u{i}@example.org", "guess").status_code for i in range(5)]
    assert codes == [401] * 4 + [429]
    assert login(client_at(app, STUDENT), "u9@example.org", "guess").status_code == 401
    app.extensions["tracegrade.db"].dispose()


def test_successful_logins_do_not_count(instance):
    """A classroom behind one address logs in at once: only failures are limited."""
    app = make_app(instance, RATE_LIMIT_LOGIN=(2, 300), LOGIN_LOCKOUT=(1, 30, 900))
    with app.extensions["tracegrade.db"].sessions() as s:
        for i in range(25):
            gen_user(s, f"s{i}@example.org")
    codes = {login(app.test_client(), f"s{i}@example.org").status_code for i in range(25)}
    assert codes == {302}
    app.extensions["tracegrade.db"].dispose()


def test_failed_signups_have_their_own_counter(instance):
    app = make_app(instance, RATE_LIMIT_SIGNUP=(3, 300), LOGIN_LOCKOUT=(2, 30, 900))
    db = app.extensions["tracegrade.db"]
    with db.sessions() as s:
        gen_user(s, "ada@example.org")
        code = s.scalar(select(Course.join_code).where(Course.slug == COURSE))
    client = client_at(app, STUDENT)
    client.get("/signup")
    form = {"email": "ada@example.org", "password": "long enough pw", "csrf_token": csrf(client)}
    codes = [client.post("/signup", data=dict(form, join_code="wrong")).status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]
    r = client.post("/signup", data=dict(form, email="new@example.org", join_code=code))
    assert r.status_code == 429 and "sign-ups" in r.get_data(as_text=True)
    assert login(client_at(app, STUDENT), "ada@example.org").status_code == 302   # login unaffected
    db.dispose()


def test_behind_a_trusted_proxy_the_client_address_counts(instance):
    app = make_app(instance, TRUSTED_PROXIES=1, LOGIN_LOCKOUT=(2, 30, 900))
    with app.extensions["tracegrade.db"].sessions() as s:
        gen_user(s, "ada@example.org")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    def via_proxy(client_addr):
        return client_at(app, dict(proxy, HTTP_X_FORWARDED_FOR=client_addr))

    codes = [login(via_proxy("203.0.113.66"), "ada@example.org", "guess").status_code
             for _ in range(3)]
    assert codes == [401, 401, 429]
    assert login(via_proxy("198.51.100.7"), "ada@example.org").status_code == 302
    app.extensions["tracegrade.db"].dispose()
