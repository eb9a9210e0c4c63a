"""Accessibility and phones, in headless Chromium against a real `tracegrade serve`:
axe-core finds no serious or critical violation on any page (login, sign-up, course, exercise
before and after grading, submission, account, every instructor page); a keyboard user leaves
the editor with Esc then Tab, submits with Enter and gets the result announced and focused; and
every student and instructor page fits a 390 px wide phone without scrolling sideways (wide
tables scroll inside their own focusable region).

axe-core is vendored in tests/browser/vendor (npm axe-core@4). Set TRACEGRADE_SCREENSHOTS=docs/img
to (re)write the phone screenshots.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.test_submit_flow import ARGS, CHROMIUM, FIX, _playwright
from tests.conftest import ROOT, require_service
from tests.server.conftest import write_course
from tests.server.live import LiveServer

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
STUDENT = ("student@example.com", "student-demo")
INSTRUCTOR = ("instructor@example.com", "instructor-demo")
EXERCISE = "/c/backprop/one-training-step"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("a11y")
    with LiveServer(tmp / "site" / "instance", write_course(tmp / "course")) as live:
        yield live


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    sync_playwright = _playwright()
    require_service("Chromium", sync_playwright is not None and Path(CHROMIUM).is_file(),
                    f"needs Playwright (pip install playwright) and {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


def new_page(chromium, viewport, mobile=False):
    context = chromium.new_context(viewport=viewport, bypass_csp=True, is_mobile=mobile,
                                   has_touch=mobile, device_scale_factor=2 if mobile else 1)
    context.set_default_timeout(20_000)
    return context.new_page()


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
          .map(v => v.impact + ' ' + v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
    }""")
    return [f"{page.url}: {v}" for v in found]


def log_in(page, base, who):
    page.goto(base + "/login")
    page.fill("input[name=email]", who[0])
    page.fill("input[name=password]", who[1])
    page.press("input[name=password]", "Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def instructor_pages(page, base, limit: int = 40) -> list[str]:
    """Every page an instructor reaches by following links under /teach/ from the course page
    (downloads left out), at most `limit`."""
    def links():
        return page.eval_on_selector_all("a[href*='/teach/']", "els => els.map(a => a.href.split('#')[0])")

    page.goto(base + "/c/backprop")
    todo = [base + "/teach/c/backprop/roster", base + "/teach/c/backprop/submissions"] + links()
    seen: list[str] = []
    while todo and len(seen) < limit:
        url = todo.pop(0)
        if url in seen or not url.startswith(base) or any(
                d in url for d in (".csv", ".json", ".zip", "format=", "download")):
            continue
        seen.append(url)
        page.goto(url)
        todo += links()
    return seen


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_keyboard_and_screen_reader_users_can_do_everything(chromium, server):
    page = new_page(chromium, {"width": 1280, "height": 900})
    problems = []
    for path in ("/login", "/signup"):
        page.goto(server.url + path)
        problems += serious_violations(page)

    log_in(page, server.url, STUDENT)
    page.goto(server.url + "/c/backprop")
    problems += serious_violations(page)
    page.goto(server.url + EXERCISE)
    page.wait_for_selector(".CodeMirror")
    problems += serious_violations(page)

    # put the fix in, then leave the editor by keyboard alone
    page.evaluate("code => window.tracegradeEditor.setValue("
                  "window.tracegradeEditor.getValue().replace(/^ *# *TODO.*$/m, code))", FIX.rstrip())
    page.click(".CodeMirror-line >> nth=0")
    page.keyboard.press("Tab")                                 # Tab alone indents
    assert page.evaluate("document.activeElement.closest('.CodeMirror') !== null")
    page.keyboard.press("Shift+Tab")
    assert page.is_visible("#editor-hint")
    page.keyboard.press("Escape")
    assert "active" in page.get_attribute("#editor-hint", "class")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "submit-button"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "submit-button"   # focus not dropped
    page.wait_for_selector("#result-slot .result[data-status=graded]", timeout=240_000)
    page.wait_for_function("document.activeElement.matches('#result-slot .result')")
    live = page.locator("[aria-live=polite]#result-slot")
    announced = live.inner_text()
    assert "10 / 10" in announced and "graded" in announced, announced
    problems += serious_violations(page)

    page.click("#result-slot .result-head a")                  # the submission page
    page.wait_for_url("**/s/*")
    problems += serious_violations(page)
    page.goto(server.url + "/account")
    problems += serious_violations(page)

    page.click("button:has-text('Log out')")
    page.wait_for_url("**/login")
    log_in(page, server.url, INSTRUCTOR)
    for url in instructor_pages(page, server.url):
        page.goto(url)
        problems += serious_violations(page)
    assert not problems, "\n".join(problems)
    page.context.close()


def test_every_student_page_fits_a_phone(chromium, server):
    shots = os.environ.get("TRACEGRADE_SCREENSHOTS")
    page = new_page(chromium, PHONE, mobile=True)
    too_wide = []

    def check(name):
        page.wait_for_load_state("load")
        if page_width(page) > PHONE["width"]:
            too_wide.append(f"{name} ({page.url}) is {page_width(page)} px wide")
        if shots:
            out = ROOT / shots
            out.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out / f"phone-{name}.png"), full_page=True)

    for name, path in (("login", "/login"), ("signup", "/signup")):
        page.goto(server.url + path)
        check(name)
    log_in(page, server.url, STUDENT)
    page.goto(server.url + "/c/backprop")
    assert page.is_visible("button:has-text('Log out')")
    box = page.locator("button:has-text('Log out')").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    check("course")
    page.goto(server.url + EXERCISE)
    page.wait_for_selector(".CodeMirror")
    check("exercise")
    page.click("#submit-button")
    page.wait_for_selector("#result-slot .result[data-status=graded]", timeout=240_000)
    check("exercise-graded")
    page.goto(server.url + page.locator("#result-slot .result-head a").get_attribute("href"))
    check("submission")
    page.goto(server.url + "/account")
    check("account")
    page.click("button:has-text('Log out')")
    page.wait_for_url("**/login")
    log_in(page, server.url, INSTRUCTOR)
    page.goto(server.url + "/teach/c/backprop/submissions")
    check("teach-submissions")
    assert not too_wide, too_wide
    page.context.close()


def test_every_instructor_page_fits_a_phone(chromium, server):
    """Wide tables (roster, gradebook, analytics) scroll inside their own box; the page itself
    never scrolls sideways on a 390 px phone."""
    page = new_page(chromium, PHONE, mobile=True)
    log_in(page, server.url, INSTRUCTOR)
    too_wide = []
    for url in instructor_pages(page, server.url):
        page.goto(url)
        page.wait_for_load_state("load")
        if page_width(page) > PHONE["width"]:
            too_wide.append(f"{url} is {page_width(page)} px wide")
    assert not too_wide, too_wide
    page.context.close()
