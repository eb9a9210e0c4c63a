"""Regrades: old results kept as history, the queue serves live submissions first, a regrade
never silently lowers a score (unless chosen), and the page lists whose score went up or down."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from graders.grading import results
from server.grading import queue
from server.models import LIVE, REGRADE, PastResult, Submission
from tests.server.conftest import COURSE, EXERCISE, csrf, gen_user, login
from tests.server.courseops import DUE, api_client, submit_at

HOUR = timedelta(hours=1)


def grade_next(dbs, score: float) -> int:
    """What a worker does: claim the next submission and store a result with this score."""
    c = queue.claim(dbs, "w")
    r = results.GradeResult(verdict=results.Verdict.GRADED, score=score, max_score=10.0,
                            tests=[results.TestOutcome("Parameters change", score, 10.0,
                                                       "passed" if score == 10 else "failed", "")])
    assert queue.store_result(dbs, c, r, 10_000)
    return c.submission_id


def setup(app, dbs):
    ada, bob = gen_user(dbs, "ada@example.org"), gen_user(dbs, "bob@example.org")
    prof = gen_user(dbs, "prof@example.org", role="instructor")
    a = submit_at(dbs, ada, DUE - HOUR, 8.0)
    b = submit_at(dbs, bob, DUE - HOUR, 4.0)
    return ada, bob, prof, a, b, api_client(app, dbs, prof)


@pytest.mark.both_databases
def test_regrade_keeps_history_and_runs_behind_live_submissions(app, dbs, backend):
    ada, bob, prof, a, b, api = setup(app, dbs)
    submit_at(dbs, ada, DUE - 2 * HOUR, 2.0)             # not counted (best is 8)
    r = api("POST", f"/api/v1/courses/{COURSE}/regrade", json={"exercise": EXERCISE})
    assert r.status_code == 202 and r.json["queued"] == 2
    dbs.expire_all()
    assert [s.priority for s in dbs.scalars(select(Submission).where(Submission.status == "queued"))] == [REGRADE] * 2
    live = queue.enqueue(dbs, ada, dbs.get(Submission, a).exercise, "x = 2\n", 256)
    dbs.commit()
    assert live.priority == LIVE
    assert grade_next(dbs, 10.0) == live.id              # the live one first, though queued last
    assert grade_next(dbs, 10.0) == a                    # then the regrades, oldest first
    past = dbs.scalars(select(PastResult).where(PastResult.submission_id == a)).all()
    assert [(p.score, p.tests[0]["name"], p.tests[0]["status"]) for p in past] == [(8.0, "Parameters change", "failed")]
    dbs.expire_all()
    sub = dbs.get(Submission, a)
    assert (sub.score, sub.status, [t.status for t in sub.tests]) == (10.0, "graded", ["passed"])
    client = app.test_client()
    login(client, "ada@example.org")
    html = client.get(f"/s/{a}").get_data(as_text=True)
    assert "Earlier results" in html and "8 / 10" in html and "10 / 10" in html


@pytest.mark.both_databases
def test_default_keeps_the_higher_score_and_the_page_says_who_changed(app, dbs, backend):
    ada, bob, prof, a, b, api = setup(app, dbs)
    api("POST", f"/api/v1/courses/{COURSE}/regrade", json={"exercise": EXERCISE})
    grade_next(dbs, 3.0)                                 # ada: 8 -> 3, kept at 8
    grade_next(dbs, 9.0)                                 # bob: 4 -> 9
    grades = {s["email"]: s["total"] for s in api("GET", f"/api/v1/courses/{COURSE}/grades").json["students"]}
    assert grades == {"ada@example.org": 8.0, "bob@example.org": 9.0}
    client = app.test_client()
    login(client, "prof@example.org")
    html = client.get(f"/teach/c/{COURSE}/regrades/1").get_data(as_text=True)
    assert "Went up (1)" in html and "Went down" not in html and "Unchanged (1)" in html
    assert "keep the higher score" in html


def test_choosing_the_new_score_can_lower_it(app, dbs):
    ada, bob, prof, a, b, api = setup(app, dbs)
    r = api("POST", f"/api/v1/courses/{COURSE}/regrade", json={"submission": a, "keep_higher": False})
    assert r.status_code == 202 and r.json["queued"] == 1
    grade_next(dbs, 3.0)
    grades = {s["email"]: s["total"] for s in api("GET", f"/api/v1/courses/{COURSE}/grades").json["students"]}
    assert grades["ada@example.org"] == 3.0
    client = app.test_client()
    login(client, "prof@example.org")
    assert "Went down (1)" in client.get(f"/teach/c/{COURSE}/regrades/1").get_data(as_text=True)


def test_the_policy_is_shown_before_confirming(app, dbs):
    ada, bob, prof, a, b, api = setup(app, dbs)
    client = app.test_client()
    login(client, "prof@example.org")
    html = client.get(f"/teach/c/{COURSE}/regrade?exercise={EXERCISE}&scope=all").get_data(as_text=True)
    assert "Regrade 2 submissions" in html and 'value="keep_higher" checked' in html
    assert "use the new score, even if lower" in html
    assert dbs.scalar(select(Submission.status).where(Submission.id == a)) == "graded"   # nothing yet
    r = client.post(f"/teach/c/{COURSE}/regrade", data={"csrf_token": csrf(client), "exercise": EXERCISE,
                                                         "scope": "all", "policy": "new_score"})
    assert r.status_code == 302 and "/regrades/1" in r.headers["Location"]
    dbs.expire_all()
    assert dbs.get(Submission, a).status == "queued" and dbs.get(Submission, a).score_floor is None


def test_bad_regrade_requests(app, dbs):
    ada, bob, prof, a, b, api = setup(app, dbs)
    assert api("POST", f"/api/v1/courses/{COURSE}/regrade", json={"submission": 999}).status_code == 404
    assert api("POST", f"/api/v1/courses/{COURSE}/regrade", json={"exercise": "nope"}).status_code == 404
    r = api("POST", f"/api/v1/courses/{COURSE}/regrade", json={})
    assert r.status_code == 400 and "exercise" in r.json["error"]
    r = api("POST", f"/api/v1/courses/{COURSE}/regrade", json={"exercise": EXERCISE, "keep_higher": "yes"})
    assert r.status_code == 400
    api("POST", f"/api/v1/courses/{COURSE}/regrade", json={"submission": a})
    r = api("POST", f"/api/v1/courses/{COURSE}/regrade", json={"submission": a})
    assert r.status_code == 409 and "still being graded" in r.json["error"]
