"""In headless Chromium against a real `tracegrade serve`: log in, open an exercise, type a fix
into the editor, submit, and see the score appear without a reload.

Set TRACEGRADE_SCREENSHOTS=docs/img to (re)write the README screenshots.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import EXERCISES, ROOT, require_service
from tests.server.conftest import write_course
from tests.server.live import LiveServer

CHROMIUM = os.environ.get("TRACEGRADE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
FIX = """    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    return sync_playwright


@pytest.fixture
def browser_context(tmp_path):
    sync_playwright = _playwright()
    require_service("Chromium", sync_playwright is not None and Path(CHROMIUM).is_file(),
                    f"needs Playwright (pip install playwright) and {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=ARGS, headless=True,
            viewport={"width": 1360, "height": 900})
        context.set_default_timeout(15_000)
        yield context
        context.close()


@pytest.fixture
def server(tmp_path):
    # screenshots show the bundled course; the test itself uses a course of one known exercise
    course = EXERCISES if os.environ.get("TRACEGRADE_SCREENSHOTS") else write_course(tmp_path / "course")
    with LiveServer(tmp_path / "site" / "instance", course) as live:
        yield live


def test_student_fixes_the_code_and_sees_the_score(browser_context, server):
    shots = os.environ.get("TRACEGRADE_SCREENSHOTS")
    page = browser_context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"failed {r.url}"))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    page.goto(server.url + "/")
    page.fill("input[name=email]", "student@example.com")
    page.fill("input[name=password]", "student-demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/c/backprop")
    assert "One training step" in page.inner_text("table.exercises")

    page.click("text=One training step, in the right order")
    page.wait_for_selector(".CodeMirror")
    assert "TODO" in page.evaluate("window.tracegradeEditor.getValue()")
    # type the fix in place of the TODO comment, as a student would
    page.click(".CodeMirror-line:has-text('TODO')")
    page.keyboard.press("End")
    page.keyboard.press("Shift+Home")   # CodeMirror: selects back to the indentation
    page.keyboard.insert_text(FIX.rstrip("\n").lstrip())
    code = page.evaluate("window.tracegradeEditor.getValue()")
    assert "optimizer.step()" in code and "TODO" not in code, code

    page.click("#submit-button")
    page.wait_for_selector(".result[data-status=queued], .result[data-status=running], "
                           ".result[data-status=graded]")
    url_before = page.url
    page.wait_for_selector(".result[data-status=graded]", timeout=240_000)
    assert page.url == url_before                       # no reload
    total = page.inner_text(".result .total")
    assert total.replace(" ", "") == "10/10", page.inner_text(".result")
    assert page.locator(".result svg.plot polyline").count() == 2
    page.wait_for_selector("#history td:has-text('graded')")
    assert not errors, errors

    if shots:
        out = ROOT / shots
        out.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out / "exercise.png"), full_page=True)
        page.goto(server.url + "/c/backprop")
        page.screenshot(path=str(out / "course.png"), full_page=False)
