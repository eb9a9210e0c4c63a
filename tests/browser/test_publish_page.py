"""In headless Chromium against a real `tracegrade serve`: an instructor uploads an exercise
folder on the publishing page. A broken one (its solution fails its own check) is refused with
a report that says why, and nothing is published; the fixed one is published with the report,
the per-seed scores and a preview of the student page; axe-core finds no serious violation on
the report; and a student then finds the new exercise at the end of the course.
"""
from __future__ import annotations

import pytest

from tests.browser.test_a11y_phone import (INSTRUCTOR, STUDENT, chromium, log_in,  # noqa: F401
                                           new_page, serious_violations)
from tests.server.conftest import write_course
from tests.server.live import LiveServer
from tests.server.test_publish_helpers import exercise_copy, zip_folder

SLUG = "zero-grad-copy"


@pytest.fixture
def server(tmp_path):
    with LiveServer(tmp_path / "site" / "instance", write_course(tmp_path / "course")) as live:
        yield live


def upload(page, archive) -> None:
    page.set_input_files("input[name=archive]", str(archive))
    with page.expect_navigation(timeout=300_000):      # the server checks before it answers
        page.click("button:has-text('Upload and check')", no_wait_after=True)
    page.wait_for_selector("#report-title")


def test_instructor_uploads_sees_the_report_and_preview_then_students_see_it(chromium, server, tmp_path):
    folder = exercise_copy(tmp_path / SLUG)
    solution = folder / "solution.py"
    good = solution.read_text()
    solution.write_text(good.replace("optimizer.zero_grad()", "pass"))   # gradients accumulate
    broken = tmp_path / "broken.zip"
    broken.write_bytes(zip_folder(folder))
    solution.write_text(good)
    fixed = tmp_path / "fixed.zip"
    fixed.write_bytes(zip_folder(folder))

    page = new_page(chromium, {"width": 1280, "height": 900})
    log_in(page, server.url, INSTRUCTOR)
    page.goto(server.url + "/teach/c/backprop/exercises")
    assert page.is_visible("text=Add or update an exercise")

    upload(page, broken)
    title = page.text_content("#report-title")
    assert "refused, nothing published" in title
    problems = page.text_content("[role=alert]")
    assert "solution" in problems.lower()
    assert not page.is_visible("#preview-title")
    assert SLUG not in page.text_content("[aria-label='Exercises of the course']")

    upload(page, fixed)
    assert "published" in page.text_content("#report-title")
    assert "Solution 10/10" in page.text_content("section[aria-labelledby=report-title]")
    seeds = page.text_content("[aria-label=\"The solution's score per seed\"]")
    assert "101" in seeds
    preview = page.text_content("section[aria-labelledby=preview-title]")
    assert "We fit a line" in preview and "def train(model, X, Y, loss_fn" in preview
    assert SLUG in page.text_content("[aria-label='Exercises of the course']")
    assert serious_violations(page) == []
    page.context.close()

    student = new_page(chromium, {"width": 1280, "height": 900})
    log_in(student, server.url, STUDENT)
    student.goto(server.url + "/c/backprop")
    links = student.eval_on_selector_all("table a", "els => els.map(a => a.getAttribute('href'))")
    assert links and links[-1].endswith(f"/{SLUG}")                  # at the end of the course
    student.goto(server.url + links[-1])
    assert student.is_visible("#submit-button")
    student.context.close()
