"""Threat: a submission reads what it must not see — the solution, hidden graders, hidden traces,
other submissions, the database, the server's secrets. Each attempt must fail, and nothing of
it may reach the submission's output, its feedback or its score."""
from __future__ import annotations

import hashlib
import threading
import time

from tests.conftest import ROOT, require_service
from tests.security.conftest import CANARY, GOOD, SECRET_ENV

READER = '''
import glob, hashlib, os

def attempt(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        print("BLOCKED", path, type(e).__name__)
        return
    print("LEAK", path, hashlib.sha256(data).hexdigest(), data[:300])

for pattern in PATTERNS:
    for path in sorted(set(glob.glob(pattern, recursive=True))) or [pattern]:
        attempt(path)
'''


def reader(*patterns: str) -> str:
    return f"PATTERNS = {list(patterns)!r}\n" + READER + GOOD


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_nothing_leaked(lab, result, *files):
    text = lab.everything(result)
    assert CANARY not in text
    for f in files:
        assert sha(f) not in text
    assert "BLOCKED" in result.stdout, result.stdout[-2000:]
    assert result.score == lab.full_marks        # the code itself is correct and was graded


def test_solution_cannot_be_read(lab):
    ex = lab.exercise
    r = lab.grade(reader(str(ex.solution), "/exercise/solution.py", "/exercise/**/*.py",
                         "../solution.py", str(ex.path.parent / "*" / "solution.py")))
    assert_nothing_leaked(lab, r, ex.solution)
    lab.healthy()


def test_hidden_graders_cannot_be_read(lab):
    ex = lab.exercise
    hidden = ex.graders_dir / "hidden" / "test_hidden.py"
    r = lab.grade(reader(str(hidden), "/exercise/graders/hidden/*.py", "/exercise/**/hidden/*"))
    assert_nothing_leaked(lab, r, hidden)
    lab.healthy()


def test_hidden_traces_cannot_be_read(lab):
    ex = lab.exercise
    files = [ex.trace_dir(s) / n for s in ex.hidden_seeds for n in ("trace.json", "trace.safetensors")]
    r = lab.grade(reader(*map(str, files), str(ex.traces_dir / "*" / "*"), "/exercise/traces/*/*"))
    assert_nothing_leaked(lab, r, *files)
    public = ex.trace_dir(ex.public_seeds[0]) / "trace.json"
    assert sha(public) in r.stdout          # the public traces are part of the student bundle
    lab.healthy()


def test_another_submission_cannot_be_read(lab):
    other = f"# {CANARY}-other-student\nimport os, time\n" \
            "if not os.path.exists('/tmp/slept'):\n    open('/tmp/slept', 'w').close()\n" \
            "    time.sleep(3)\n" + GOOD
    results = {}
    t = threading.Thread(target=lambda: results.setdefault("other", lab.grade(other)))
    t.start()
    time.sleep(0.5)
    r = lab.grade(reader("/tmp/*/work/*.py", "/tmp/**/step.py", "/proc/*/root/tmp/work/step.py",
                         "/proc/*/cwd/step.py", "/tmp/tracegrade-*/phase2/step.py"))
    overlapped = t.is_alive()
    t.join()
    assert overlapped, ("the two gradings did not run at the same time", r.execution_time,
                        results["other"].execution_time)
    assert results["other"].score == lab.full_marks
    text = lab.everything(r)
    assert CANARY not in text and r.score == lab.full_marks
    lab.healthy()


def test_database_cannot_be_read(lab):
    # (not "/tmp/**": a checkout under /tmp shows its read-only engine and venv there)
    r = lab.grade(reader(str(lab.database), str(lab.database.parent / "*"), "/*/*.sqlite", "/tmp/*",
                         "/tmp/**/*.sqlite", "/exercise/**/*"))
    assert_nothing_leaked(lab, r, lab.database)
    lab.healthy()


def test_server_environment_does_not_reach_student_code(lab):
    src = "import os, glob\nprint('ENV', dict(os.environ))\n" \
          "for p in ['/proc/self/environ', '/proc/1/environ', *glob.glob('/proc/*/environ')]:\n" \
          "    try:\n        print('LEAK', p, open(p, 'rb').read())\n" \
          "    except OSError as e:\n        print('BLOCKED', p, e)\n" + GOOD
    r = lab.grade(src)
    text = lab.everything(r)
    assert "ENV {" in r.stdout
    for value in SECRET_ENV.values():
        assert value not in text
    assert CANARY not in text
    lab.healthy()


def test_host_files_are_not_visible(lab):
    r = lab.grade(reader("/etc/passwd", "/etc/shadow", "/root/*", "/root/.ssh/*", "/home/*/*",
                         "/sys/class/net/*/address", "/var/log/*", f"{ROOT}/server/*",
                         f"{ROOT}/exercises/*/solution.py"))
    text = lab.everything(r)
    assert "root:x:0:0" not in text and "LEAK /sys" not in text and "LEAK /root" not in text
    assert r.score == lab.full_marks
    lab.healthy()


def _memory_holds(pid: int, needle: bytes) -> bool:
    """Whether any readable, writable mapping of process pid contains needle (read from outside,
    through /proc/PID/mem)."""
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for line in maps:
            fields = line.split()
            if not fields[1].startswith("rw"):
                continue
            lo, hi = (int(x, 16) for x in fields[0].split("-"))
            for at in range(lo, hi, 8 << 20):       # (overlapping chunks: a hit may straddle)
                try:
                    mem.seek(at)
                    chunk = mem.read(min(hi, at + (8 << 20) + len(needle)) - at)
                except OSError:
                    break
                if needle in chunk:
                    return True
    return False


def test_a_submission_and_its_traces_never_reach_the_memory_later_students_fork_from(lab):
    """The zygote that forks every student process also puts each submission into its sandbox
    and copies its traces out (as root). It must keep neither: the next student process,
    another student's, starts as a copy of its memory. (The copies are the kernel's, sendfile,
    so nothing of them is ever in that memory; this checks that nothing is kept there.)"""
    marker = "SUBMISSION" + hashlib.sha256(CANARY.encode()).hexdigest()[:16]
    source = f"# {marker}-source\nfrom graders import trace\n" \
             f"trace.record('{marker}-trace', 1.0, step=0)\n" + GOOD + f"\n# {marker}-end\n"
    for _ in range(4):                  # (each zygote of the pool gets some)
        r = lab.grade(source)
        assert r.score == lab.full_marks, (r.verdict, r.message, r.stderr[-2000:])
    zygotes = lab.grader.backend.zygote_pids("untrusted")
    assert zygotes
    found, why = None, ""
    try:
        found = [z for z in zygotes if _memory_holds(z, marker.encode())]
    except PermissionError as e:
        why = str(e)
    require_service("reading another process's memory (/proc/PID/mem)", found is not None, why)
    assert found == [], f"the submission is in the memory of zygote(s) {found}"
    lab.healthy()
