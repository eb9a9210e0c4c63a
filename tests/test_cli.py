"""The `tracegrade` command as a user runs it: grade, check, trace, new, and the exit codes."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXERCISES, ROOT

EX = EXERCISES / "one-training-step"


def tg(*args, cwd=None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "tracegrade"
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=600, env={**os.environ, "COLUMNS": "100"})


def test_grade_prints_a_table_with_points_messages_and_total():
    r = tg("grade", EX, EX / "starter.py", "--seeds", "42")
    assert r.returncode == 0, r.stderr
    assert "FAIL" in r.stdout and "PASS" in r.stdout
    assert "loss.backward() is never called" in r.stdout
    assert "Total: 2/10" in r.stdout


def test_grade_json_is_gradescope_results(tmp_path):
    r = tg("grade", EX, EX / "solution.py", "--format", "json", "--seeds", "42")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["score"] == doc["max_score"] == 10
    assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(doc["tests"][0])


def test_fail_under_sets_the_exit_status():
    assert tg("grade", EX, EX / "starter.py", "--seeds", "42", "--fail-under", "5").returncode == 1
    assert tg("grade", EX, EX / "solution.py", "--seeds", "42", "--fail-under", "10").returncode == 0


def test_usage_errors_exit_2_with_a_clear_message(tmp_path):
    r = tg("grade", EX, tmp_path / "missing.py")
    assert r.returncode == 2 and "no such file" in r.stderr
    r = tg("grade", EX, EX / "solution.py", "--seeds", "one,two")
    assert r.returncode == 2 and "--seeds" in r.stderr


def test_invalid_exercise_exits_3_naming_file_and_key(tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(EX, bad)
    text = (bad / "exercise.toml").read_text().replace("points = 10", 'points = "ten"')
    (bad / "exercise.toml").write_text(text)
    r = tg("grade", bad, bad / "solution.py")
    assert r.returncode == 3
    assert "exercise.toml" in r.stderr and "key 'points'" in r.stderr and "Traceback" not in r.stderr


def test_new_scaffold_passes_check_and_check_catches_stale_traces(tmp_path):
    r = tg("new", "my-exercise", "--dir", tmp_path)
    assert r.returncode == 0, r.stderr
    ex = tmp_path / "my-exercise"
    r = tg("check", ex)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ok    my-exercise" in r.stdout
    # the scaffold follows the docs: its own generator, and the same `grade` path as docs/authoring.md
    assert "torch.Generator().manual_seed(ctx.seed)" in (ex / "scenario.py").read_text()
    assert "`tracegrade grade exercises/my-exercise answer.py`" in (ex / "README.md").read_text()
    # editing the solution makes the recorded traces stale
    sol = ex / "solution.py"
    sol.write_text(sol.read_text() + "\n# changed\n")
    r = tg("check", ex)
    assert r.returncode == 1 and "stale traces: solution.py changed" in r.stdout
    assert tg("trace", ex).returncode == 0
    assert tg("check", ex).returncode == 0


def test_check_fails_when_the_starter_gets_full_marks(tmp_path):
    ex = tmp_path / "ex"
    shutil.copytree(EX, ex)
    shutil.copy(ex / "solution.py", ex / "starter.py")
    r = tg("check", ex)
    assert r.returncode == 1 and "starter gets full marks" in r.stdout


def test_new_refuses_an_existing_folder_and_a_bad_slug(tmp_path):
    (tmp_path / "taken").mkdir()
    assert tg("new", "taken", "--dir", tmp_path).returncode == 2
    r = tg("new", "Bad Name", "--dir", tmp_path)
    assert r.returncode == 2 and "slug" in r.stderr
