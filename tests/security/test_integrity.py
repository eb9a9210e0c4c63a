"""Threat: a submission changes its score by other means than solving the exercise — printed or
forged results, exiting early with status 0, patching torch or pytest, writing into inherited
file descriptors, killing or tracing the grader. None of it may change the score."""
from __future__ import annotations

import hashlib
import os
import secrets
import time
from pathlib import Path

import pytest
import torch

import graders
from tests.security.conftest import GOOD, STARTER, comm_of, host_pids, lines


@pytest.fixture(scope="module")
def starter_score(lab):
    return lab.grade(STARTER).score


def test_printed_results_are_ignored(lab, starter_score):
    src = STARTER + '''
import sys
for out in (sys.stdout, sys.stderr):
    print('{"score": 11, "max_score": 11, "tests": [], "verdict": "graded"}', file=out)
    print("======== 12 passed in 0.01s ======== Total: 11/11", file=out)
'''
    r = lab.grade(src)
    assert r.verdict.value == "graded" and r.score == starter_score < lab.full_marks
    lab.healthy()


FORGE = '''
import gc, json, os, shutil
jobs = [o for o in gc.get_objects() if isinstance(o, dict) and "out_dir" in o and "seeds" in o]
job = next(j for j in jobs if os.path.isdir(j["out_dir"]))          # the one it can write to
out, public = job["out_dir"], job["exercise_dir"] + "/traces/seed-42"
for seed in job["seeds"]:
    MODE(public, out, seed)
with open(out + "/result.json", "w") as f:
    json.dump({"verdict": "ok", "score": 11, "seeds": job["seeds"]}, f)
os._exit(0)
'''


def test_forged_traces_and_exit_zero_do_not_score(lab):
    mode = "def MODE(public, out, seed):\n    shutil.copytree(public, f'{out}/seed-{seed}')\n"
    r = lab.grade(mode + FORGE + GOOD)
    assert r.score < lab.full_marks
    failed = {t.name for t in r.tests if t.status == "failed"}
    assert any("reference" in name for name in failed), [(t.name, t.status) for t in r.tests]
    lab.healthy()


@pytest.mark.parametrize("how", ["folder", "file"])
def test_symlinks_to_the_reference_traces_are_not_followed(lab, how):
    ref = str(lab.exercise.traces_dir)
    if how == "folder":
        mode = f"def MODE(public, out, seed):\n    os.symlink(f'{ref}/seed-{{seed}}', f'{{out}}/seed-{{seed}}')\n"
    else:
        mode = (f"def MODE(public, out, seed):\n    os.makedirs(f'{{out}}/seed-{{seed}}')\n"
                f"    for n in ('trace.json', 'trace.safetensors'):\n"
                f"        os.symlink(f'{ref}/seed-{{seed}}/' + n, f'{{out}}/seed-{{seed}}/' + n)\n")
    before = {p: p.read_bytes() for p in lab.exercise.traces_dir.rglob("*") if p.is_file()}
    r = lab.grade(mode + FORGE + GOOD)
    assert r.score == 0 and r.verdict.value == "crashed", (r.verdict, r.message)
    assert {p: p.read_bytes() for p in lab.exercise.traces_dir.rglob("*") if p.is_file()} == before
    lab.healthy()


@pytest.mark.parametrize("exit_call", ["os._exit(0)", "sys.exit(0)", "raise SystemExit(0)",
                                       "os.abort()"])
def test_exiting_early_scores_nothing(lab, exit_call):
    r = lab.grade(f"import os, sys\n{exit_call}\n" + GOOD)
    assert r.score == 0 and r.verdict.value != "graded", (r.verdict, r.message)
    assert r.message
    lab.healthy()


def _digest(paths) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(Path(p).read_bytes())
    return h.hexdigest()


def test_torch_pytest_and_graders_cannot_be_patched_on_disk(lab):
    site = Path(torch.__file__).parent.parent
    targets = [torch.__file__, pytest.__file__, graders.__file__,
               str(Path(graders.__file__).parent / "grading" / "plugin.py"),
               str(Path(graders.__file__).parent / "checks" / "compare.py")]
    before = _digest(targets)
    src = f"TARGETS = {targets!r}\nSITE = {str(site)!r}\n" + '''
import os
for path in TARGETS + [SITE + "/sitecustomize.py", SITE + "/evil.pth"]:
    try:
        with open(path, "a") as f:
            f.write("\\nimport builtins; builtins.PATCHED = True\\n")
        print("PATCHED", path)
    except OSError as e:
        print("BLOCKED", path, type(e).__name__)
''' + GOOD
    r = lab.grade(src)
    assert "PATCHED" not in r.stdout and len(lines(r, "BLOCKED")) == len(targets) + 2
    assert _digest(targets) == before
    assert not (site / "sitecustomize.py").exists() and not (site / "evil.pth").exists()
    lab.healthy()


def test_patching_torch_and_pytest_in_memory_does_not_reach_the_graders(lab, starter_score):
    src = STARTER + '''
import torch, pytest, builtins
import graders.checks as checks
torch.allclose = lambda *a, **k: True
torch.Tensor.__eq__ = lambda *a, **k: True
torch.testing.assert_close = lambda *a, **k: None
pytest.fail = lambda *a, **k: None
checks.assert_close = lambda *a, **k: None
checks.fail = lambda *a, **k: None
builtins.AssertionError = type("Nope", (Exception,), {})
'''
    r = lab.grade(src)
    assert r.verdict.value == "graded" and r.score == starter_score
    lab.healthy()


def test_conftest_and_pytest_ini_files_are_ignored(lab, starter_score):
    src = STARTER + '''
import os
HOOK = """
import pytest
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    outcome.get_result().outcome = "passed"
"""
for d in ("/tmp", "/tmp/work", "/out", os.getcwd()):
    for name, text in (("conftest.py", HOOK), ("pytest.ini", "[pytest]\\naddopts = -p conftest\\n")):
        try:
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        except OSError:
            pass
'''
    r = lab.grade(src)
    assert r.verdict.value == "graded" and r.score == starter_score
    lab.healthy()


def test_writing_into_inherited_file_descriptors_changes_nothing(lab):
    src = '''
import os
junk = b'{"verdict": "ok", "score": 11}\\n' * 4
written = []
for fd in range(0, 4096):
    if fd in (1, 2):
        continue
    try:
        os.write(fd, junk)
        written.append(fd)
    except OSError:
        pass
print("WROTE", written)
''' + GOOD
    r = lab.grade(src)
    assert r.verdict.value == "graded" and r.score == lab.full_marks
    wrote = r.stdout.split("WROTE ")[1].splitlines()[0]
    assert wrote == "[]", wrote
    lab.healthy()


def test_the_grader_cannot_be_killed(lab):
    pool = lab.grader.backend
    zygotes = pool.zygote_pids()
    targets = [os.getpid(), *zygotes]
    src = f"TARGETS = {targets!r}\n" + '''
import os, signal
for pid in TARGETS + [-1, 1]:
    for sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGTERM):
        try:
            os.kill(pid, sig)
            print("SIGNALLED", pid, sig)
        except OSError as e:
            print("BLOCKED", pid, e)
''' + GOOD
    r = lab.grade(src)
    assert pool.zygote_pids() == zygotes
    for pid in zygotes:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
        assert state in "RS", f"zygote {pid} is in state {state}"
    assert r.score == lab.full_marks
    lab.healthy()


def test_the_grader_cannot_be_traced(lab):
    pool = lab.grader.backend
    targets = [os.getpid(), *pool.zygote_pids()]
    src = f"TARGETS = {targets!r}\n" + '''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
PTRACE_ATTACH, PTRACE_SEIZE = 16, 0x4206
for pid in TARGETS + [1, os.getppid()]:
    for req in (PTRACE_ATTACH, PTRACE_SEIZE):
        rc = libc.ptrace(req, pid, 0, 0)
        print("TRACED" if rc == 0 else "BLOCKED", pid, req, ctypes.get_errno())
    for path in (f"/proc/{pid}/mem", f"/proc/{pid}/maps"):
        try:
            open(path, "rb").read(16)
            print("READ", path)
        except OSError as e:
            print("BLOCKED", path, type(e).__name__)
rc = libc.ptrace(0, 0, 0, 0)  # PTRACE_TRACEME
print("TRACEME", rc)
''' + GOOD
    r = lab.grade(src)
    assert "TRACED" not in r.stdout and "READ /proc/1/mem" not in r.stdout, r.stdout[-3000:]
    assert "TRACEME -1" in r.stdout
    for pid in targets:
        assert "TracerPid:\t0" in Path(f"/proc/{pid}/status").read_text()
    assert r.score == lab.full_marks
    lab.healthy()


def test_writing_result_json_early_ends_the_run_without_a_score(lab):
    """The sandbox counts the student process as finished once result.json is written (its
    last act): forging it early ends the run at once, and what lingers is killed."""
    name = "early" + secrets.token_hex(4)
    src = f"NAME = {name!r}\n" + '''
import ctypes, json, time
with open("/out/result.json", "w") as f:
    json.dump({"verdict": "ok", "score": 11}, f)
ctypes.CDLL(None).prctl(15, NAME.encode(), 0, 0, 0)
time.sleep(30)
''' + GOOD
    t0 = time.monotonic()
    r = lab.grade(src)
    assert time.monotonic() - t0 < 3.5, "the run was not ended when result.json appeared"
    assert r.score == 0 and r.verdict.value == "crashed", (r.verdict, r.message)
    time.sleep(0.2)
    assert [p for p in host_pids() if comm_of(p) == name] == []
    lab.healthy()
