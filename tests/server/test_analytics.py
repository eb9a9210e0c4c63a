"""Mistake analytics: an exercise's counts, attempts until full marks, pass rate per test, named
diagnoses as a clickable SVG bar chart (leading to the submissions), median time to full marks,
and the course's exercises ranked by stuck students."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.server.conftest import COURSE, EXERCISE, gen_user, login
from tests.server.courseops import DUE, api_client, submit_at

MIN = timedelta(minutes=1)
STEP, ZERO = "Parameters change after each step", "Gradients are cleared"


def class_of_three(dbs):
    ada, bob, cy = (gen_user(dbs, f"{n}@example.org") for n in ("ada", "bob", "cy"))
    # ada: full marks at the 2nd attempt, 10 minutes after her first
    submit_at(dbs, ada, DUE, 5.0, diagnosis="optimizer_never_stepped", tests=[(STEP, False), (ZERO, True)])
    submit_at(dbs, ada, DUE + 10 * MIN, 10.0, tests=[(STEP, True), (ZERO, True)])
    # bob: full marks at once
    submit_at(dbs, bob, DUE, 10.0, tests=[(STEP, True), (ZERO, True)])
    # cy: stuck after 3 attempts
    bad = [submit_at(dbs, cy, DUE + i * MIN, 0.0, diagnosis=d, tests=[(STEP, False), (ZERO, False)])
           for i, d in enumerate(["gradients_accumulate", "gradients_accumulate", "optimizer_never_stepped"])]
    return bad


@pytest.mark.both_databases
def test_exercise_stats_through_the_api(app, dbs, backend):
    class_of_three(dbs)
    prof = gen_user(dbs, "prof@example.org", role="instructor")
    r = api_client(app, dbs, prof)("GET", f"/api/v1/courses/{COURSE}/exercises/{EXERCISE}/stats")
    assert r.status_code == 200
    st = r.json
    assert (st["submissions"], st["students"], st["full_marks_students"]) == (6, 3, 2)
    assert st["diagnoses"] == {"gradients_accumulate": 2, "optimizer_never_stepped": 2}
    assert st["tests"] == {STEP: round(2 / 6, 4), ZERO: round(3 / 6, 4)}
    assert st["attempts_to_full_marks"] == {"1": 1, "2": 1}
    assert st["median_seconds_to_full_marks"] == 300.0          # median of 0 and 10 minutes


def test_diagnosis_bars_lead_to_the_submissions(app, dbs):
    bad = class_of_three(dbs)
    gen_user(dbs, "prof@example.org", role="instructor")
    client = app.test_client()
    login(client, "prof@example.org")
    html = client.get(f"/teach/c/{COURSE}/analytics/{EXERCISE}").get_data(as_text=True)
    assert "<svg" in html and "gradients_accumulate" in html and "5 min" in html
    link = f"/teach/c/{COURSE}/submissions?exercise={EXERCISE}&amp;diagnosis=gradients_accumulate"
    assert f'<a href="{link}">' in html
    listing = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    shown = {sid for sid in bad if f'href="/s/{sid}"' in listing}
    assert shown == set(bad[:2]) and "diagnosis: <b>gradients_accumulate</b>" in listing


@pytest.mark.both_databases
def test_course_ranks_exercises_by_stuck_students(app, dbs, backend):
    class_of_three(dbs)
    gen_user(dbs, "prof@example.org", role="instructor")
    client = app.test_client()
    login(client, "prof@example.org")
    html = client.get(f"/teach/c/{COURSE}/analytics?after=3").get_data(as_text=True)
    assert '<td class="num"><b>1</b></td><td class="num">3</td>' in html
    html = client.get(f"/teach/c/{COURSE}/analytics?after=4").get_data(as_text=True)
    assert '<td class="num"><b>0</b></td><td class="num">3</td>' in html
    assert client.get(f"/teach/c/{COURSE}/analytics?after=abc").status_code == 200
