"""Student and instructor pages: the course with scores and attempts, the exercise page, the
history, the bundle download, the instructor's roster and submissions, and escaping everywhere."""
from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from graders.grading import results
from server.grading import queue
from server.models import Exercise
from tests.server.conftest import COURSE, EXERCISE, csrf, gen_user, login

XSS = "<script>alert('pwned')</script>"


def graded(dbs, user, score, code="print('hi')\n", stdout="", message="look at step()"):
    ex = dbs.scalar(select(Exercise))
    sub = queue.enqueue(dbs, user, ex, code, 256)
    dbs.commit()
    c = queue.claim(dbs, "w")
    r = results.GradeResult(verdict=results.Verdict.GRADED, score=score, max_score=10.0, stdout=stdout,
                            tests=[results.TestOutcome("Parameters change after each step", score, 10.0,
                                                       "passed" if score == 10 else "failed",
                                                       "" if score == 10 else message,
                                                       None if score == 10 else "optimizer_never_stepped")],
                            traces={"seed": 101, "student": [0.19, 0.19], "reference": [0.19, 0.12]})
    assert queue.store_result(dbs, c, r, 10_000)
    return sub.id


def test_course_page_shows_best_score_and_attempts(app, dbs):
    ada = gen_user(dbs, "ada@example.org")
    graded(dbs, ada, 4.0)
    graded(dbs, ada, 7.5)
    client = app.test_client()
    login(client, "ada@example.org")
    html = client.get(f"/c/{COURSE}").get_data(as_text=True)
    assert "One training step, in the right order" in html
    assert "7.5 / 10" in html and "<td class=\"num\">2</td>" in html


def test_exercise_page_has_prompt_starter_and_submit(app, dbs):
    gen_user(dbs, "ada@example.org")
    client = app.test_client()
    login(client, "ada@example.org")
    html = client.get(f"/c/{COURSE}/{EXERCISE}").get_data(as_text=True)
    assert "<h1>One training step, in the right order</h1>" in html and "<table>" in html
    assert "TODO: clear the old gradients" in html          # the starter, in the editor
    assert 'id="submit-button"' in html and "No submissions yet" in html


def test_submit_from_the_page_then_see_it_queued(app, dbs):
    gen_user(dbs, "ada@example.org")
    client = app.test_client()
    login(client, "ada@example.org")
    r = client.post(f"/c/{COURSE}/{EXERCISE}/submit", data={"code": "x = 1\n", "csrf_token": csrf(client)},
                    headers={"Accept": "application/json"})
    assert r.status_code == 202 and r.json["status"] == "queued"
    panel = client.get(r.json["panel_url"]).get_data(as_text=True)
    assert 'data-status="queued"' in panel and "Waiting for a grader" in panel
    page = client.get(f"/c/{COURSE}/{EXERCISE}").get_data(as_text=True)
    assert "x = 1" in page                                   # the editor shows the last submission
    r = client.post(f"/c/{COURSE}/{EXERCISE}/submit", data={"code": " ", "csrf_token": csrf(client)})
    assert r.status_code == 400 and "Your file is empty" in r.get_data(as_text=True)


def test_graded_result_panel(app, dbs):
    ada = gen_user(dbs, "ada@example.org")
    sid = graded(dbs, ada, 0.0, stdout=XSS, message="Your parameters never changed: call optimizer.step().")
    client = app.test_client()
    login(client, "ada@example.org")
    html = client.get(f"/s/{sid}").get_data(as_text=True)
    assert "0 / 10" in html and "Diagnosis:" in html and "call optimizer.step()" in html
    assert "<svg" in html and "<polyline" in html
    assert XSS not in html and "&lt;script&gt;" in html


def test_bundle_download(app, dbs):
    gen_user(dbs, "ada@example.org")
    client = app.test_client()
    login(client, "ada@example.org")
    r = client.get(f"/c/{COURSE}/{EXERCISE}/bundle.zip")
    names = zipfile.ZipFile(io.BytesIO(r.data)).namelist()
    assert f"{EXERCISE}/starter.py" in names and not any("solution" in n for n in names)


def test_students_see_only_their_own_submissions(app, dbs):
    sid = graded(dbs, gen_user(dbs, "ada@example.org"), 10.0)
    gen_user(dbs, "eve@example.org")
    client = app.test_client()
    login(client, "eve@example.org")
    assert client.get(f"/s/{sid}").status_code == 404
    assert client.get(f"/s/{sid}/panel").status_code == 404
    assert client.get(f"/teach/c/{COURSE}/roster").status_code == 404
    assert client.get(f"/teach/c/{COURSE}/submissions").status_code == 404


def test_other_courses_are_404(app, dbs):
    gen_user(dbs, "out@example.org", role=None)
    client = app.test_client()
    login(client, "out@example.org")
    assert client.get(f"/c/{COURSE}").status_code == 404
    assert client.get(f"/c/{COURSE}/{EXERCISE}").status_code == 404
    assert client.get(f"/c/{COURSE}/{EXERCISE}/bundle.zip").status_code == 404


def test_instructor_reads_everything_escaped(app, dbs):
    student = gen_user(dbs, "ada@example.org")
    sid = graded(dbs, student, 2.5, code=f"# {XSS}\n", stdout=XSS)
    gen_user(dbs, "prof@example.org", role="instructor")
    client = app.test_client()
    login(client, "prof@example.org")
    roster = client.get(f"/teach/c/{COURSE}/roster").get_data(as_text=True)
    assert "ada@example.org" in roster and "2.5" in roster
    listing = client.get(f"/teach/c/{COURSE}/submissions").get_data(as_text=True)
    assert f'href="/s/{sid}"' in listing
    page = client.get(f"/s/{sid}").get_data(as_text=True)
    assert "ada@example.org" in page and "&lt;script&gt;alert(" in page and XSS not in page


def test_bad_uploads_are_refused_and_not_stored(app, dbs):
    from tests.server.conftest import count_submissions
    gen_user(dbs, "ada@example.org")
    client = app.test_client()
    login(client, "ada@example.org")
    url = f"/c/{COURSE}/{EXERCISE}/submit"
    r = client.post(url, data={"csrf_token": csrf(client), "file": (io.BytesIO(b"x = '\xff\xfe'\n"), "step.py")},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "not UTF-8" in r.get_data(as_text=True)
    r = client.post(url, data={"csrf_token": csrf(client), "code": "x" * (1 << 20)})
    assert r.status_code == 413 and "too large" in r.get_data(as_text=True)
    r = client.post(f"/c/{COURSE}/no-such-exercise/submit", data={"csrf_token": csrf(client), "code": "x = 1"})
    assert r.status_code == 404
    assert count_submissions(dbs) == 0


def test_hidden_tests_keep_their_feedback_from_students(app, dbs):
    from server.models import TestResult
    ada = gen_user(dbs, "ada@example.org")
    sid = graded(dbs, ada, 10.0)
    dbs.add(TestResult(submission_id=sid, position=1, name="Secret edge case", score=0.0, max_score=0.0,
                       status="failed", message="the hidden seed 303 diverged", visibility="hidden"))
    dbs.commit()
    gen_user(dbs, "prof@example.org", role="instructor")
    student, teacher = app.test_client(), app.test_client()
    login(student, "ada@example.org")
    login(teacher, "prof@example.org")
    mine = student.get(f"/s/{sid}").get_data(as_text=True)
    assert "Hidden test" in mine and "Secret edge case" not in mine and "seed 303" not in mine
    full = teacher.get(f"/s/{sid}").get_data(as_text=True)
    assert "Secret edge case" in full and "seed 303" in full
