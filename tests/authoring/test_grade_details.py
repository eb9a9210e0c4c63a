"""`tracegrade grade` for the exercise's author: diagnosis codes always (text and Gradescope
JSON), `--debug` with each grader failure's traceback, file and line, and a warning when the
reference traces are stale."""
from __future__ import annotations

import json

from tests.authoring.cli import add_grader, copy_exercise, edit, tg

LONG = "A grader whose title is far too long to fit in one line of the terminal table, so it is cut"
TYPO = f'''
@pytest.mark.points(1)
@pytest.mark.name("{LONG}")
def test_state_after_the_call(student, reference):
    assert reference.get("param/0.weigth") is not None
'''


def test_debug_shows_the_crashing_grader_with_file_line_and_the_codes(tmp_path):
    ex = copy_exercise(tmp_path / "ex")
    line = add_grader(ex, TYPO, 1)
    r = tg("grade", ex, ex / "starter.py", "--seeds", "42")
    assert r.returncode == 0, r.stderr
    assert "The grader itself failed on this check" in r.stdout
    assert "param/0.weigth" not in r.stdout + r.stderr          # details only with --debug
    assert "diagnosis: backward_missing" in r.stdout and "Diagnoses: backward_missing" in r.stdout
    assert LONG not in r.stdout and LONG[:40] in r.stdout and "…" in r.stdout

    r = tg("grade", ex, ex / "starter.py", "--seeds", "42", "--debug")
    assert r.returncode == 0, r.stderr
    assert f'File "graders/test_added.py", line {line}, in test_state_after_the_call' in r.stderr
    assert "the reference trace has no key 'param/0.weigth'" in r.stderr
    assert "Did you mean 'param/0.weight'" in r.stderr
    assert "diagnosis codes:" in r.stderr and "-> backward_missing" in r.stderr


def test_json_keeps_the_gradescope_schema_and_carries_the_codes(tmp_path):
    ex = copy_exercise(tmp_path / "ex")
    r = tg("grade", ex, ex / "starter.py", "--seeds", "42", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert {"score", "max_score", "execution_time", "tests"} <= set(doc)
    failed = [t for t in doc["tests"] if t["status"] == "failed"]
    assert failed and all(t["tags"] == [t["extra_data"]["diagnosis"]] for t in failed)
    assert "backward_missing" in doc["extra_data"]["diagnoses"]
    assert doc["extra_data"]["verdict"] == "graded"
    passed = [t for t in doc["tests"] if t["status"] == "passed"]
    assert all(t["tags"] == [] for t in passed)


def test_grade_warns_when_the_scenario_changed_after_the_traces(tmp_path):
    ex = copy_exercise(tmp_path / "ex")
    edit(ex / "scenario.py", "def run(ctx):", "# a changed scenario\ndef run(ctx):")
    r = tg("grade", ex, ex / "solution.py", "--seeds", "42")
    assert r.returncode == 0, r.stderr
    assert "warning: stale traces: scenario.py changed" in r.stderr
    assert f"run `tracegrade trace {ex}`" in r.stderr


def test_a_grader_file_that_cannot_be_imported_is_named_with_its_line(tmp_path):
    ex = copy_exercise(tmp_path / "ex")
    (ex / "graders" / "test_more.py").write_text("import pytest\nimport no_such_helper\n")
    r = tg("grade", ex, ex / "solution.py", "--seeds", "42")
    assert r.returncode == 4
    assert "collected no tests" in r.stderr
    assert "graders/test_more.py:2: in <module>" in r.stderr
    assert "No module named 'no_such_helper'" in r.stderr
