"""Enrolment on the web: add and remove members, change roles, rotate the join code, import a
roster CSV (per-row errors, nothing half-imported), reset a student's password."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from server.models import Course, Enrollment, User
from tests.server.conftest import COURSE, PASSWORD, csrf, gen_user, login


def prof_client(app, dbs):
    gen_user(dbs, "prof@example.org", role="instructor")
    client = app.test_client()
    login(client, "prof@example.org")
    return client


def members(dbs) -> dict[str, str]:
    dbs.expire_all()
    return dict(dbs.execute(select(User.email, Enrollment.role).join(Enrollment)).all())


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf(client), **data})


def test_add_change_role_and_remove(app, dbs):
    client = prof_client(app, dbs)
    r = post(client, f"/teach/c/{COURSE}/members", email="New@Example.org", role="student")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "temporary passwords (shown once)" in html
    assert members(dbs)["new@example.org"] == "student"
    uid = dbs.scalar(select(User.id).where(User.email == "new@example.org"))
    post(client, f"/teach/c/{COURSE}/members/{uid}", action="role", role="instructor")
    assert members(dbs)["new@example.org"] == "instructor"
    r = post(client, f"/teach/c/{COURSE}/members/{uid}", action="remove")
    assert r.status_code == 302 and "new@example.org" not in members(dbs)
    r = post(client, f"/teach/c/{COURSE}/members", email="not an email")
    assert "valid email" in client.get(r.headers["Location"]).get_data(as_text=True)


def test_the_last_instructor_stays(app, dbs):
    client = prof_client(app, dbs)
    prof = dbs.scalar(select(User).where(User.email == "prof@example.org"))
    r = post(client, f"/teach/c/{COURSE}/members/{prof.id}", action="role", role="student")
    assert "at least one instructor" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert members(dbs)["prof@example.org"] == "instructor"


def test_rotate_join_code(app, dbs):
    client = prof_client(app, dbs)
    old = dbs.scalar(select(Course.join_code))
    r = post(client, f"/teach/c/{COURSE}/join-code")
    dbs.expire_all()
    new = dbs.scalar(select(Course.join_code))
    assert new != old and f"New join code: {new}" in client.get(r.headers["Location"]).get_data(as_text=True)


@pytest.mark.both_databases
def test_roster_import_all_or_nothing(app, dbs, backend):
    client = prof_client(app, dbs)
    gen_user(dbs, "old@example.org", role=None)
    bad = "email,role,password\nann@example.org,student,\nbad-address,student,\nold@example.org,teacher,\nann@example.org,,\n"
    r = client.post(f"/teach/c/{COURSE}/roster/import", content_type="multipart/form-data",
                    data={"csrf_token": csrf(client), "roster": (io.BytesIO(bad.encode()), "roster.csv")})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "Nothing was imported" in html
    assert "line 3: Enter a valid email" in html and "line 4: Role &#39;teacher&#39;" in html
    assert "line 5: ann@example.org appears twice" in html
    assert set(members(dbs)) == {"prof@example.org"}
    assert dbs.scalar(select(User).where(User.email == "ann@example.org")) is None
    good = "email,role\nann@example.org,student\nold@example.org,instructor\n"
    r = client.post(f"/teach/c/{COURSE}/roster/import", content_type="multipart/form-data",
                    data={"csrf_token": csrf(client), "roster": (io.BytesIO(good.encode()), "roster.csv")})
    assert r.status_code == 200 and "Added 2 member(s)" in r.get_data(as_text=True)
    assert members(dbs) == {"prof@example.org": "instructor", "ann@example.org": "student",
                            "old@example.org": "instructor"}
    r = client.post(f"/teach/c/{COURSE}/roster/import", content_type="multipart/form-data",
                    data={"csrf_token": csrf(client), "roster": (io.BytesIO(b"name\nx\n"), "r.csv")})
    assert r.status_code == 400 and "header with an &#39;email&#39; column" in r.get_data(as_text=True)


def test_reset_a_students_password(app, dbs):
    client = prof_client(app, dbs)
    ada = gen_user(dbs, "ada@example.org")
    other = app.test_client()
    login(other, "ada@example.org")
    assert other.get(f"/c/{COURSE}").status_code == 200
    r = post(client, f"/teach/c/{COURSE}/members/{ada.id}", action="reset_password")
    html = r.get_data(as_text=True)
    temp = html.split("Temporary password for ada@example.org: <code>")[1].split("</code>")[0]
    assert len(temp) >= 12
    assert other.get(f"/c/{COURSE}").status_code == 302        # their open session has ended
    assert login(app.test_client(), "ada@example.org", PASSWORD).status_code != 302   # old one refused
    fresh = app.test_client()
    assert login(fresh, "ada@example.org", temp).status_code == 302
    prof = dbs.scalar(select(User).where(User.email == "prof@example.org"))
    r = post(client, f"/teach/c/{COURSE}/members/{prof.id}", action="reset_password")
    assert "Only a student" in client.get(r.headers["Location"]).get_data(as_text=True)
