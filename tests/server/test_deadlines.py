"""Deadlines and late work: the edges of due and late_until, penalties with the raw score kept,
refusal after late_until with nothing stored, extensions (web, API, CLI), after-due visibility
and the schedule synced from course.toml."""
from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from graders.cli.main import _load_plugins, cli
from server import gradebook, schedule
from server.catalog import sync_course
from server.db import utcnow
from server.models import Course, Exercise, Extension, TestResult, User
from tests.server.conftest import COURSE, EXERCISE, count_submissions, csrf, gen_user, login, write_course
from tests.server.courseops import DUE, LATE_UNTIL, api_client, exercise, set_schedule, submit_at

SECOND = timedelta(seconds=1)


def cell(dbs, user):
    course = dbs.scalar(select(Course).where(Course.slug == COURSE))
    dbs.expire_all()
    row = gradebook.build(dbs, course, [user.id]).rows[0]
    return row.cells[EXERCISE]


def test_rules_at_the_edges(dbs):
    d = schedule.deadline(set_schedule(dbs))
    assert not d.is_late(DUE) and d.is_late(DUE + SECOND)
    assert not d.is_closed(LATE_UNTIL) and d.is_closed(LATE_UNTIL + SECOND)
    assert d.factor(DUE) == 1.0 and d.factor(LATE_UNTIL) == 0.8


@pytest.mark.both_databases
def test_exactly_at_due_is_on_time_and_a_second_later_is_penalized(dbs, backend):
    set_schedule(dbs)
    ada, bob, cy = (gen_user(dbs, f"{n}@example.org") for n in ("ada", "bob", "cy"))
    submit_at(dbs, ada, DUE, 10.0)
    submit_at(dbs, bob, DUE + SECOND, 10.0)
    submit_at(dbs, cy, LATE_UNTIL, 5.0)
    a, b, c = cell(dbs, ada), cell(dbs, bob), cell(dbs, cy)
    assert (a.score, a.late) == (10.0, False)
    assert (b.score, b.raw, b.late, b.penalty) == (8.0, 10.0, True, 0.2)
    assert (c.score, c.raw, c.late) == (4.0, 5.0, True)


def test_after_late_until_is_refused_and_nothing_stored(app, dbs):
    now = utcnow()
    set_schedule(dbs, due=now - timedelta(days=3), late_until=now - timedelta(minutes=1))
    gen_user(dbs, "ada@example.org")
    client = app.test_client()
    login(client, "ada@example.org")
    r = client.post(f"/c/{COURSE}/{EXERCISE}/submit", data={"code": "x = 1\n", "csrf_token": csrf(client)})
    assert r.status_code == 403
    html = r.get_data(as_text=True)
    assert "closed" in html and "was not stored" in html and "extension" in html
    assert "Submissions closed on" in html                # the deadline box says so too
    page = client.get(f"/c/{COURSE}/{EXERCISE}").get_data(as_text=True)
    assert 'id="submit-button" disabled aria-describedby="deadline"' in page
    ada = dbs.scalar(select(User).where(User.email == "ada@example.org"))
    r = api_client(app, dbs, ada)("POST", "/api/v1/submissions",
                                  json={"course": COURSE, "exercise": EXERCISE, "code": "x = 1\n"})
    assert r.status_code == 403 and "was not stored" in r.json["error"]
    assert count_submissions(dbs) == 0
    gen_user(dbs, "prof@example.org", role="instructor")   # instructors may still try it out
    prof = dbs.scalar(select(User).where(User.email == "prof@example.org"))
    r = api_client(app, dbs, prof)("POST", "/api/v1/submissions",
                                   json={"course": COURSE, "exercise": EXERCISE, "code": "x = 1\n"})
    assert r.status_code == 202


def test_late_window_accepts_and_shows_the_penalty(app, dbs):
    now = utcnow()
    set_schedule(dbs, due=now - timedelta(hours=1), late_until=now + timedelta(days=1), penalty=0.25)
    ada = gen_user(dbs, "ada@example.org")
    client = app.test_client()
    login(client, "ada@example.org")
    r = client.post(f"/c/{COURSE}/{EXERCISE}/submit", data={"code": "x = 1\n", "csrf_token": csrf(client)})
    assert r.status_code == 302 and count_submissions(dbs) == 1
    submit_at(dbs, ada, now, 8.0)
    html = client.get(f"/c/{COURSE}/{EXERCISE}").get_data(as_text=True)
    assert "Due date passed" in html and "loses 25%" in html
    assert "late −25%" in html and "counts 6 (raw 8)" in html
    course = client.get(f"/c/{COURSE}").get_data(as_text=True)   # the course page: counted score
    assert "6 / 10</span> <span class=\"tag\" title=\"late: raw score 8\">late</span>" in course
    assert f'datetime="{(now - timedelta(hours=1)).isoformat()}Z">' in course
    assert 'id="submit-button">' in client.get(f"/c/{COURSE}/{EXERCISE}").get_data(as_text=True)
    api = api_client(app, dbs, ada)                              # the API says so as well
    r = api("POST", "/api/v1/submissions", json={"course": COURSE, "exercise": EXERCISE, "code": "x = 2\n"})
    assert r.status_code == 202 and (r.json["late"], r.json["late_penalty"]) == (True, 0.25)
    assert r.json["counted_score"] is None                       # not graded yet
    graded = api("GET", f"/api/v1/submissions/{submit_at(dbs, ada, now, 8.0)}").json
    assert (graded["late"], graded["score"], graded["counted_score"]) == (True, 8.0, 6.0)
    on_time = api("GET", f"/api/v1/submissions/{submit_at(dbs, ada, now - timedelta(hours=2), 8.0)}").json
    assert (on_time["late"], on_time["late_penalty"], on_time["counted_score"]) == (False, 0.0, 8.0)


def test_due_date_in_the_future_shows_a_countdown(app, dbs):
    now = utcnow()
    set_schedule(dbs, due=now + timedelta(days=2), late_until=None, penalty=0.0)
    gen_user(dbs, "ada@example.org")
    client = app.test_client()
    login(client, "ada@example.org")
    html = client.get(f"/c/{COURSE}/{EXERCISE}").get_data(as_text=True)
    assert 'data-countdown="deadline-left"' in html and "countdown.js" in html
    assert f'datetime="{(now + timedelta(days=2)).isoformat()}Z"' in html


@pytest.mark.both_databases
def test_an_extension_moves_due_and_the_late_window(app, dbs, backend):
    set_schedule(dbs)
    ada = gen_user(dbs, "ada@example.org")
    prof = gen_user(dbs, "prof@example.org", role="instructor")
    api = api_client(app, dbs, prof)
    r = api("POST", f"/api/v1/courses/{COURSE}/extensions",
            json={"email": "ada@example.org", "exercise": EXERCISE, "due": "2026-12-12T00:00:00+01:00"})
    assert r.status_code == 201 and r.json["due"] == "2026-12-11T23:00:00Z"
    submit_at(dbs, ada, DUE + timedelta(days=1), 10.0)        # late for others, on time for ada
    assert (cell(dbs, ada).score, cell(dbs, ada).late) == (10.0, False)
    d = schedule.deadline_for(dbs, ada.id, exercise(dbs))
    assert d.late_until == d.due + (LATE_UNTIL - DUE)
    r = api("POST", f"/api/v1/courses/{COURSE}/extensions",
            json={"email": "nobody@example.org", "exercise": EXERCISE, "due": "2026-12-12T00:00:00Z"})
    assert r.status_code == 400 and "No member" in r.json["error"]
    r = api("POST", f"/api/v1/courses/{COURSE}/extensions",
            json={"email": "ada@example.org", "exercise": EXERCISE, "due": "friday"})
    assert r.status_code == 400 and "ISO 8601" in r.json["error"]


@pytest.mark.both_databases
def test_an_extension_reopens_submitting_for_its_student_only(app, dbs, backend):
    """After late_until the student with an extension may still submit (API and page), on
    time; a classmate without one is refused, whatever extensions others hold."""
    now = utcnow()
    ex = set_schedule(dbs, due=now - timedelta(days=3), late_until=now - timedelta(minutes=1))
    ada, bob = gen_user(dbs, "ada@example.org"), gen_user(dbs, "bob@example.org")
    dbs.add(Extension(user_id=ada.id, exercise_id=ex.id, due_at=now + timedelta(days=1)))
    dbs.commit()
    body = {"course": COURSE, "exercise": EXERCISE, "code": "x = 1\n"}
    r = api_client(app, dbs, ada)("POST", "/api/v1/submissions", json=body)
    assert r.status_code == 202 and (r.json["late"], r.json["late_penalty"]) == (False, 0.0)
    assert r.json["due_at"] == (now + timedelta(days=1)).isoformat(timespec="seconds") + "Z"
    client = app.test_client()
    login(client, "ada@example.org")
    r = client.post(f"/c/{COURSE}/{EXERCISE}/submit", data={"code": "x = 2\n", "csrf_token": csrf(client)})
    assert r.status_code == 302
    r = api_client(app, dbs, bob)("POST", "/api/v1/submissions", json=body)
    assert r.status_code == 403 and "was not stored" in r.json["error"]
    assert count_submissions(dbs) == 2


def test_extension_from_the_web_reads_the_course_time_zone(app, dbs):
    set_schedule(dbs)
    dbs.scalar(select(Course)).timezone = "Europe/Paris"
    dbs.commit()
    ada = gen_user(dbs, "ada@example.org")
    gen_user(dbs, "prof@example.org", role="instructor")
    client = app.test_client()
    login(client, "prof@example.org")
    r = client.post(f"/teach/c/{COURSE}/extensions", data={
        "csrf_token": csrf(client), "email": "ada@example.org", "exercise": EXERCISE,
        "due": "2026-12-12T10:00"}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "now has until 2026-12-12 10:00 CET" in html
    ex = dbs.scalar(select(Exercise))
    assert schedule.extension_due(dbs, ada.id, ex.id).isoformat() == "2026-12-12T09:00:00"


def test_extension_from_the_cli(app, dbs, instance):
    set_schedule(dbs)
    gen_user(dbs, "ada@example.org")
    _load_plugins()
    runner = CliRunner()
    result = runner.invoke(cli, ["extensions", "set", COURSE, "ada@example.org", EXERCISE,
                                 "2026-12-12T00:00:00Z", "--instance", str(instance)])
    assert result.exit_code == 0, result.output
    assert "2026-12-12" in result.output
    result = runner.invoke(cli, ["extensions", "list", COURSE, "--instance", str(instance)])
    assert "ada@example.org" in result.output and EXERCISE in result.output
    result = runner.invoke(cli, ["extensions", "set", COURSE, "ada@example.org", "nope",
                                 "2026-12-12T00:00:00Z", "--instance", str(instance)])
    assert result.exit_code != 0 and "No exercise 'nope'" in result.output


def test_after_due_tests_show_once_work_is_closed(app, dbs):
    now = utcnow()
    ex = set_schedule(dbs, due=now + timedelta(days=1), late_until=None, penalty=0.0)
    ada = gen_user(dbs, "ada@example.org")
    sid = submit_at(dbs, ada, now, 0.0, diagnosis="optimizer_never_stepped",
                    tests=[("Secret check of the update", False)])
    dbs.get(TestResult, 1).visibility = "after_due_date"
    dbs.commit()
    client = app.test_client()
    login(client, "ada@example.org")
    assert "Secret check of the update" not in client.get(f"/s/{sid}").get_data(as_text=True)
    ex.due_at = now - timedelta(minutes=1)
    dbs.commit()
    assert "Secret check of the update" in client.get(f"/s/{sid}").get_data(as_text=True)


def test_schedule_is_synced_from_course_toml(tmp_path, dbs, instance):
    folder = write_course(tmp_path / "c")
    toml = folder / "course.toml"
    toml.write_text(toml.read_text() + f'timezone = "Europe/Paris"\npolicy = "last"\n[schedule.{EXERCISE}]\n'
                    'due = "2026-12-08T23:59:00+01:00"\nlate_until = "2026-12-10T23:59:00+01:00"\n'
                    'late_penalty = 0.2\n')
    sync_course(dbs, folder, instance)
    dbs.commit()
    course = dbs.scalar(select(Course).where(Course.slug == COURSE))
    ex = dbs.scalar(select(Exercise).where(Exercise.slug == EXERCISE))
    assert (course.timezone, course.policy) == ("Europe/Paris", "last")
    assert (ex.due_at, ex.late_until, ex.late_penalty) == (DUE, LATE_UNTIL, 0.2)
