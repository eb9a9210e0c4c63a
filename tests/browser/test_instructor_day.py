"""In headless Chromium against a real `tracegrade serve`, an instructor's day after a deadline:
grant an extension, see a late submission penalized in the gradebook, open an exercise's
analytics and follow a named mistake to its submissions, download the CSV and parse it.

Set TRACEGRADE_SCREENSHOTS=docs/img to (re)write the gradebook and analytics screenshots (then
the bundled course is served, with a class of 300 seeded students: ten exercises).
"""
from __future__ import annotations

import csv
import os
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.db import Database, utcnow
from server.models import Course, Enrollment, Exercise, Submission, TestResult, User
from server.security import hash_password
from tests.browser.test_submit_flow import browser_context  # noqa: F401  (the fixture)
from tests.conftest import EXERCISES, ROOT
from tests.server.conftest import EXERCISE, write_course
from tests.server.live import LiveServer

NOW = utcnow().replace(microsecond=0)
DUE = NOW - timedelta(days=1)
MISTAKES = ["gradients_accumulate", "optimizer_never_stepped", "wrong_target_shape"]


@pytest.fixture
def server(tmp_path):
    shots = os.environ.get("TRACEGRADE_SCREENSHOTS")
    if shots:
        course = EXERCISES
    else:
        course = write_course(tmp_path / "course")
        toml = course / "course.toml"
        toml.write_text(toml.read_text() + f'timezone = "Europe/Paris"\n[schedule.{EXERCISE}]\n'
                        f'due = "{DUE.isoformat()}Z"\nlate_until = "{(NOW + timedelta(days=2)).isoformat()}Z"\n'
                        'late_penalty = 0.2\n')
    with LiveServer(tmp_path / "site" / "instance", course) as live:
        seed(live.instance, classmates=297 if shots else 0)   # 300 students with ada, bob, cy
        yield live


def seed(instance, classmates: int) -> None:
    """ada: full marks, late (penalized); bob: still working (the extension goes to him); cy:
    stuck on named mistakes; plus `classmates` students with random attempts (screenshots)."""
    db = Database(f"sqlite:///{instance / 'tracegrade.sqlite'}")
    rnd = random.Random(3)
    with db.session() as s:
        course = s.scalar(select(Course))
        exercises = s.scalars(select(Exercise).where(Exercise.position.is_not(None))
                              .order_by(Exercise.position)).all()
        for i, ex in enumerate(exercises):
            if ex.due_at is None:        # the bundled course has no schedule: one per week
                ex.due_at = DUE - timedelta(days=7 * (len(exercises) - 1 - i))
                ex.late_until, ex.late_penalty = ex.due_at + timedelta(days=3), 0.2
        pw = hash_password("student-pass-1")
        people = ["ada@example.org", "bob@example.org", "cy@example.org"] + \
            [f"student{i:02d}@example.org" for i in range(classmates)]
        users = []
        for email in people:
            u = User(email=email, password_hash=pw)
            s.add(u)
            s.flush()
            s.add(Enrollment(user_id=u.id, course_id=course.id, role="student"))
            users.append(u)

        def submit(user, ex, at, score, mistake=None):
            sub = Submission(user_id=user.id, exercise_id=ex.id, version_id=ex.current_version_id,
                             code="# seeded\n", status="graded", verdict="graded", score=score,
                             max_score=ex.points, created_at=at, graded_at=at, attempts=1)
            s.add(sub)
            s.flush()
            full = score >= ex.points
            s.add(TestResult(submission_id=sub.id, position=0, name="Loss is computed", score=0.0,
                             max_score=0.0, status="passed"))
            s.add(TestResult(submission_id=sub.id, position=1, name="Parameters follow the reference",
                             score=score, max_score=ex.points, status="passed" if full else "failed",
                             diagnosis=None if full else mistake))

        first = next(e for e in exercises if e.slug == EXERCISE)
        ada, bob, cy = users[:3]
        submit(ada, first, DUE + timedelta(hours=3), first.points)                 # late
        submit(bob, first, DUE - timedelta(hours=5), first.points / 2, MISTAKES[1])
        for k in range(4):
            submit(cy, first, DUE - timedelta(hours=9 - k), 0.0, MISTAKES[0])
        for u in users[3:]:
            for ex in exercises:
                skill = rnd.random()
                for k in range(rnd.randint(0, 5)):
                    score = ex.points if rnd.random() < skill * (k + 1) / 3 else \
                        round(ex.points * rnd.random() * 0.7, 1)
                    at = ex.due_at - timedelta(hours=rnd.randint(1, 90)) + timedelta(hours=k * 6)
                    submit(u, ex, at, min(score, ex.points), rnd.choice(MISTAKES))
                    if score >= ex.points:
                        break
    db.dispose()


def test_instructors_day(browser_context, server):  # noqa: F811
    shots = os.environ.get("TRACEGRADE_SCREENSHOTS")
    page = browser_context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(server.url + "/login")
    page.fill("input[name=email]", "instructor@example.com")
    page.fill("input[name=password]", "instructor-demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/c/backprop")
    base = server.url + "/teach/c/backprop"

    # an extension for bob, in the course's time zone
    page.goto(base + "/extensions")
    page.fill("input[name=email]", "bob@example.org")
    page.select_option("select[name=exercise]", EXERCISE)
    page.fill("input[name=due]", (NOW + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"))
    page.click("text=Grant extension")
    page.wait_for_selector(".flash:has-text('bob@example.org now has until')")
    assert "bob@example.org" in page.inner_text("table.grid")

    # the gradebook: ada's late full marks count 80 %, with a late mark
    page.goto(base + "/gradebook")
    ada = page.locator("tr[data-email='ada@example.org']")
    headers = page.locator("thead th").all_inner_texts()
    cell = ada.locator("td").nth(next(i for i, h in enumerate(headers) if EXERCISE in h))
    assert cell.locator(".late").count() == 1
    points = float(cell.get_attribute("data-v"))
    page.fill("#gb-filter", "ada")
    assert page.locator("tbody tr:not([hidden])").count() == 1
    page.fill("#gb-filter", "")
    page.click("thead th.total button")                     # sortable
    assert page.locator("thead th.total").get_attribute("aria-sort") == "ascending"
    box = page.locator(".gradebook-box").bounding_box()
    assert box["x"] + box["width"] <= 1360                  # the table scrolls inside its box
    assert page.evaluate("document.documentElement.scrollWidth") <= 1360   # nothing runs off
    if shots:                                               # ten exercises: no column cut off
        assert page.locator(".gradebook-box").evaluate("b => b.scrollWidth <= b.clientWidth")
    if shots:
        page.locator(".gradebook-box").evaluate("b => b.scrollTop = 0")
        page.screenshot(path=str(ROOT / shots / "gradebook.png"))

    # analytics: follow the most frequent named mistake to its submissions
    page.goto(base + f"/analytics/{EXERCISE}")
    bar = page.locator("svg.bars a", has_text=MISTAKES[0]).first
    n = int(bar.locator("text.count").text_content())
    if shots:
        page.screenshot(path=str(ROOT / shots / "analytics.png"), full_page=True)
    bar.click()
    page.wait_for_url(f"**/submissions?exercise={EXERCISE}&diagnosis={MISTAKES[0]}")
    assert f"{n} in all" in page.inner_text("main")      # as many as the bar says
    listed = page.locator("table.grid tbody tr")
    assert listed.count() == min(n, 100) and n >= 4
    if not shots:
        assert "cy@example.org" in page.inner_text("table.grid")

    # the CSV, downloaded and parsed
    page.goto(base + "/gradebook")
    with page.expect_download() as download:
        page.click("text=CSV, one row per student")
    with open(download.value.path(), newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0][0] == "email" and rows[0][-1] == "total" and EXERCISE in rows[0]
    by_email = {r[0]: r for r in rows[1:]}
    assert float(by_email["ada@example.org"][rows[0].index(EXERCISE)]) == points == 0.8 * 10
    assert not errors, errors
