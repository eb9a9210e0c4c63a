"""`tracegrade grade` grades in one interpreter (graders.pool.inline): the same verdicts, scores
and diagnoses as the warm pool the server uses, on every corpus file, and the same sandbox (a
hostile submission reads nothing, reaches no network and sees no secret of the user's shell)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from graders import Exercise
from graders.grading import corpus
from graders.sandbox import probe
from tests.conftest import EXERCISES, ROOT, require_service
from tests.security.conftest import CANARY, GOOD, SECRET_ENV, planted_exercise
from tests.security.test_confidentiality import _memory_holds, reader
from tests.security.test_network import ATTEMPTS, Listener

CORPUS = ROOT / "tests" / "exercises" / "corpus"

# One interpreter made as `tracegrade grade` makes it (graders.cli.grade), grading each
# (exercise folder, file) pair read from stdin through its InlinePool, on the seeds the command
# grades by default; one JSON line each.
DRIVER = r"""
import json, sys
from graders.pool import inline
inline.prepare_interpreter()
from graders import Exercise, Grader
jobs = json.loads(sys.stdin.read())
with Grader(inline.InlinePool()) as g:
    for folder, path in jobs:
        r = g.grade(Exercise.load(folder), open(path, "rb").read())
        print(json.dumps(r.to_dict()), flush=True)
"""


def outcome(result: dict) -> dict:
    """What must agree between two gradings of one file: verdict, score, each test's points,
    status, diagnosis and feedback, and whether it was sandboxed."""
    return {"verdict": result["verdict"], "score": result["score"], "max_score": result["max_score"],
            "message": result["message"], "sandboxed": result["sandboxed"],
            "tests": [(t["name"], t["score"], t["status"], t["diagnosis"], t["message"])
                      for t in result["tests"]]}


def test_verdicts_agree_with_the_warm_pool_on_every_corpus_file(grader):
    files = [f for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir())
             for f in corpus.files(folder)]
    jobs = [(str(EXERCISES / f.parent.name), str(f)) for f in files]
    inline = subprocess.Popen([sys.executable, "-c", DRIVER], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    inline.stdin.write(json.dumps(jobs))
    inline.stdin.close()
    pooled = {}
    for f in files:         # the warm pool, meanwhile
        result = grader.grade(Exercise.load(EXERCISES / f.parent.name), f.read_bytes())
        pooled[f] = outcome({**result.to_dict(), "tests": [vars(t) for t in result.tests]})
    lines = inline.stdout.read().splitlines()
    err = inline.stderr.read()
    assert inline.wait(timeout=900) == 0, err[-3000:]
    assert len(lines) == len(files), err[-3000:]
    differ = [f"{f.parent.name}/{f.name}: pool {pooled[f]}\n    inline {outcome(json.loads(line))}"
              for f, line in zip(files, lines) if outcome(json.loads(line)) != pooled[f]]
    assert not differ, f"{len(differ)} of {len(files)} differ:\n" + "\n".join(differ[:5])
    assert len(files) > 100


def tracegrade(*args, env: dict) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "tracegrade"
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **env, "COLUMNS": "100"})


def test_hostile_submissions_get_the_pools_verdict_and_reach_nothing(tmp_path, grader):
    avail = probe()
    require_service("the sandbox", avail.available, avail.reason)
    ex = planted_exercise(tmp_path / "one-training-step")
    database = tmp_path / "instance" / "tracegrade.sqlite"
    database.parent.mkdir()
    database.write_text(f"SQLite format 3\0 users: admin {CANARY}-password-hash\n")
    listener = Listener(socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", 0))
    port = listener.address[1]
    hostile = {
        "reader": reader(str(ex.solution), str(ex.graders_dir / "hidden" / "test_hidden.py"),
                         "/exercise/solution.py", "/exercise/graders/hidden/*", str(database),
                         "/etc/shadow", f"{ROOT}/server/*.py", f"{ROOT}/exercises/*/solution.py"),
        "network": ATTEMPTS + f"attempt(socket.AF_INET, socket.SOCK_STREAM, ('127.0.0.1', {port}))\n"
                              f"attempt(socket.AF_INET, socket.SOCK_DGRAM, ('127.0.0.1', {port}), send=True)\n"
                   + GOOD,
        "environment": "import os, glob\nprint('ENV', dict(os.environ))\n"
                       "for p in ['/proc/self/environ', '/proc/1/environ']:\n"
                       "    try:\n        print('READ', p, open(p, 'rb').read())\n"
                       "    except OSError as e:\n        print('BLOCKED', p, e)\n" + GOOD,
    }
    for name, source in hostile.items():
        sub = tmp_path / f"{name}.py"
        sub.write_text(source)
        r = tracegrade("grade", ex.path, sub, env=SECRET_ENV)       # a secret in the user's shell
        assert r.returncode == 0, r.stderr[-3000:]
        out = r.stdout + r.stderr
        assert "without isolation" not in out, out[-3000:]
        assert CANARY not in out and not any(v in out for v in SECRET_ENV.values()), name
        assert "LEAK" not in out and "REACHED" not in out, out[-3000:]
        assert ("ENV {" if name == "environment" else "BLOCKED") in out, out[-3000:]
        pooled = grader.grade(ex, source)
        assert f"Total: {pooled.score:g}/{pooled.max_score:g}" in r.stdout, (name, pooled.score, r.stdout[-2000:])
        assert pooled.score == ex.points, name      # the code itself is correct
    assert listener.close() == []


# An interpreter made as `tracegrade grade` makes it, holding its InlinePool until told to end.
HOLDER = r"""
import sys
from graders.pool import inline
inline.prepare_interpreter()
pool = inline.InlinePool()
pool.wait_ready()
print(*pool.zygote_pids(), flush=True)
sys.stdin.readline()
pool.close()
"""


def test_the_shells_secrets_never_reach_the_zygotes_students_fork_from():
    """The zygotes are forks of the command's process, whose environment may hold a user's
    secrets: neither their environment nor their memory keeps any of it."""
    secret = SECRET_ENV["TRACEGRADE_SECRET_KEY"]
    holder = subprocess.Popen([sys.executable, "-c", HOLDER], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=ROOT,
                              env={**os.environ, **SECRET_ENV})
    try:
        zygotes = [int(p) for p in holder.stdout.readline().split()]
        assert len(zygotes) == 2
        assert _memory_holds(holder.pid, secret.encode())       # (the scan finds it where it is)
        for pid in zygotes:
            assert secret.encode() not in Path(f"/proc/{pid}/environ").read_bytes()
            assert not _memory_holds(pid, secret.encode()), Path(f"/proc/{pid}/comm").read_text()
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
