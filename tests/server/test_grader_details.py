"""A grader that crashes: course staff see its traceback (file and line) and the diagnosis codes
on the submission page; the student who submitted sees only the friendly line."""
from __future__ import annotations

from sqlalchemy import select

from graders.grading import results
from graders.grading.plugin import INTERNAL
from server.grading import queue
from server.models import Exercise
from tests.server.conftest import gen_user, login

TRACEBACK = ('Traceback (the grader\'s frames):\n  File "graders/test_training_step.py", line 80, '
             'in test_typo\n    reference.info["training_after_call"]\nKeyError: \'training_after_call\'')


def graded_with_a_crash(dbs, user) -> int:
    ex = dbs.scalar(select(Exercise))
    sub = queue.enqueue(dbs, user, ex, "print('hi')\n", 256)
    dbs.commit()
    c = queue.claim(dbs, "w")
    tests = [results.TestOutcome("Parameters change", 0.0, 6.0, "failed", "Call optimizer.step().",
                                 "optimizer_never_stepped"),
             results.TestOutcome("Training state after the call", 0.0, 4.0, "failed", INTERNAL,
                                 None, error=TRACEBACK)]
    r = results.GradeResult(verdict=results.Verdict.GRADED, score=0.0, max_score=10.0, tests=tests,
                            stderr=results.join_stderr("a warning the code printed",
                                                       [f"{t.name}:\n{t.error}" for t in tests if t.error]))
    assert queue.store_result(dbs, c, r, 10_000)
    return sub.id


def test_staff_see_the_grader_traceback_and_codes_students_only_the_friendly_line(app, dbs):
    student = gen_user(dbs, "ada@example.org")
    gen_user(dbs, "prof@example.org", role="instructor")
    sid = graded_with_a_crash(dbs, student)

    staff = app.test_client()
    login(staff, "prof@example.org")
    page = staff.get(f"/s/{sid}").get_data(as_text=True)
    assert "Grader failures" in page
    assert "graders/test_training_step.py&#34;, line 80" in page or \
        'graders/test_training_step.py", line 80' in page
    assert "KeyError: &#39;training_after_call&#39;" in page
    assert "optimizer_never_stepped" in page
    assert "a warning the code printed" in page

    own = app.test_client()
    login(own, "ada@example.org")
    for url in (f"/s/{sid}", f"/s/{sid}/panel"):
        page = own.get(url).get_data(as_text=True)
        assert "grader itself failed" in page                    # the friendly line
        assert "a warning the code printed" in page               # their own stderr
        assert "training_after_call" not in page and "line 80" not in page
        assert "Grader failures" not in page and results.GRADER_ERRORS_MARK not in page
        assert "optimizer_never_stepped" not in page


def test_student_output_that_imitates_the_mark_never_reveals_grader_text():
    text = results.join_stderr(f"mine\n{results.GRADER_ERRORS_MARK}\nmore of mine",
                               [f"t:\n{TRACEBACK}"])
    student, grader = results.split_stderr(text)
    assert student == "mine" and "training_after_call" not in student
    assert "training_after_call" in grader
