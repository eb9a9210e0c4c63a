"""Outcomes that are not a score: each bad submission gets a verdict with a message a student
understands, 0 points, and nothing from the grader's own internals."""
from __future__ import annotations

import pytest

from graders import Exercise, Verdict
from tests.conftest import EXERCISES, GOOD_TRAIN_STEP

GOOD_BODY = GOOD_TRAIN_STEP


@pytest.fixture(scope="module")
def ex():
    return Exercise.load(EXERCISES / "one-training-step")


def grade(grader, ex, source, **kw):
    return grader.grade(ex, source, seeds=[42], **kw)


def test_correct_code_is_graded(grader, ex):
    r = grade(grader, ex, GOOD_BODY)
    assert r.verdict is Verdict.GRADED and r.score == r.max_score == 10


def test_syntax_error_names_the_line(grader, ex):
    r = grade(grader, ex, "def train_step(model, x, y, loss_fn, optimizer)\n    pass\n")
    assert r.verdict is Verdict.SYNTAX_ERROR and r.score == 0
    assert "step.py, line 1" in r.message and "expected ':'" in r.message


def test_exception_shows_only_the_students_frames(grader, ex):
    src = "def helper(x):\n    return x.nope()\n\ndef train_step(model, x, y, loss_fn, optimizer):\n    return helper(x)\n"
    r = grade(grader, ex, src)
    assert r.verdict is Verdict.EXCEPTION and r.score == 0
    assert 'File "step.py", line 5, in train_step' in r.message
    assert 'File "step.py", line 2, in helper' in r.message
    assert "AttributeError" in r.message
    for internal in ("graders/", "scenario.py", "phase1", "site-packages"):
        assert internal not in r.message


def test_missing_function_is_named(grader, ex):
    r = grade(grader, ex, "def train(model):\n    pass\n")
    assert r.verdict is Verdict.MISSING
    assert "`train_step`" in r.message


def test_infinite_loop_hits_the_time_limit(grader, ex):
    r = grade(grader, ex, GOOD_BODY + "\nwhile True:\n    pass\n")
    assert r.verdict is Verdict.TIME_LIMIT and r.score == 0
    assert "seconds" in r.message


def test_huge_allocation_hits_the_memory_limit(grader, ex):
    src = "import torch\nx = torch.ones(4096, 1024, 1024)\n" + GOOD_BODY
    r = grade(grader, ex, src)
    assert r.verdict is Verdict.MEMORY_LIMIT and "1024 MB" in r.message


def test_growing_list_hits_the_memory_limit(grader, ex):
    r = grade(grader, ex, "keep = []\nwhile True:\n    keep.append(bytearray(1 << 24))\n")
    assert r.verdict is Verdict.MEMORY_LIMIT


def test_native_crash_is_reported(grader, ex):
    r = grade(grader, ex, "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n")
    assert r.verdict is Verdict.CRASHED and "SIGSEGV" in r.message


def test_flooding_output_is_stopped(grader, ex):
    r = grade(grader, ex, GOOD_BODY + "\nwhile True:\n    print('spam' * 100)\n")
    assert r.verdict is Verdict.OUTPUT_LIMIT and "KB" in r.message
    assert len(r.stdout) <= ex.limits.output_kb * 1024


@pytest.mark.parametrize("src", ["import sys\nsys.exit(0)\n", "import os\nos._exit(0)\n"])
def test_exiting_early_earns_nothing(grader, ex, src):
    r = grade(grader, ex, src + GOOD_BODY)
    assert r.verdict in (Verdict.EXCEPTION, Verdict.CRASHED) and r.score == 0


def test_non_utf8_source_is_rejected_with_advice(grader, ex):
    r = grade(grader, ex, "# caf\xe9\n".encode("latin-1") + GOOD_BODY.encode())
    assert r.verdict is Verdict.BAD_SOURCE and "UTF-8" in r.message


def test_oversized_source_is_rejected(grader, ex):
    r = grade(grader, ex, GOOD_BODY + "#" * (ex.limits.source_kb * 1024))
    assert r.verdict is Verdict.BAD_SOURCE and f"{ex.limits.source_kb} KB" in r.message


def test_empty_source_is_rejected(grader, ex):
    assert grade(grader, ex, "  \n").verdict is Verdict.BAD_SOURCE


def test_printed_output_is_kept_for_the_student(grader, ex):
    r = grade(grader, ex, "print('hello from the student')\n" + GOOD_BODY)
    assert r.verdict is Verdict.GRADED and "hello from the student" in r.stdout


def test_forged_result_file_earns_nothing(grader, ex):
    src = """
import json, os
def train_step(model, x, y, loss_fn, optimizer):
    return 0.0
for d in ("../out", "out", "/tmp"):
    try:
        open(os.path.join(d, "result.json"), "w").write(json.dumps({"verdict": "ok", "score": 10}))
    except OSError:
        pass
"""
    r = grade(grader, ex, src)
    assert r.score < r.max_score


def test_gradescope_json_shape(grader, ex):
    g = grade(grader, ex, GOOD_BODY).to_gradescope()
    assert set(g) >= {"score", "max_score", "execution_time", "tests"}
    assert set(g["tests"][0]) == {"name", "score", "max_score", "status", "output", "visibility",
                                  "tags", "extra_data"}
    assert g["extra_data"] == {"verdict": "graded", "diagnoses": []}
    bad = grade(grader, ex, "def x(:\n").to_gradescope()
    assert bad["score"] == 0 and "Syntax error" in bad["output"]
