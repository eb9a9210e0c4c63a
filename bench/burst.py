"""Burst drain against the engine: a burst of submissions posted through the API of a real
`tracegrade serve` (gunicorn and its grading worker, SQLite), timed from the first post to the
last graded, against the rate of a warm Grader grading the same mix with one grading per core,
measured in the same run. Prints both rates and their ratio (target: 0.95 or more).

    .venv/bin/python bench/burst.py                       # this checkout, 300 submissions
    .venv/bin/python bench/burst.py --baseline f6310c8    # and a worktree of f6310c8, side by side

The mix is the bundled course: every exercise's solution and starter (20 submissions), cycled.
Each checkout is measured in a process of its own that imports its own `server` and `graders`.
Both sides also report their CPU a submission by role, read from /proc (the pool, the grading
worker, gunicorn, the posting client): what the server spends beyond the engine, and a CPU ratio
that the machine's drift from one minute to the next moves less than the rates.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

from proctree import children, processes

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
TARGET = 0.95
USERS = 20                  # the API allows 30 submissions per user per 5 minutes
POSTERS = 8                 # requests in flight while posting


def mix(root: Path) -> tuple[str, list[tuple[str, str]]]:
    """(course slug, [(exercise slug, code)]): each exercise's solution and starter."""
    course = tomllib.loads((root / "exercises" / "course.toml").read_text())
    subs = []
    for slug in course["exercises"]:
        folder = root / "exercises" / slug
        for name in ("solution.py", "starter.py"):
            subs.append((slug, (folder / name).read_text()))
    return course["slug"], subs


def load() -> float:
    return os.getloadavg()[0]


def cpu_by_role(top: int) -> dict[str, float]:
    """CPU seconds so far of the process tree under top, by role: "pool" (zygotes, sessions,
    keepers and the job processes they reaped: comm tg-*), "web" (gunicorn), "worker" (the
    grading worker's own process), "rest" (top itself and anything else). Each process counts
    with the children it reaped (utime, stime, cutime, cstime), so none is counted twice."""
    procs = processes(with_argv=True)
    kids = children(procs)
    out = {"pool": 0.0, "web": 0.0, "worker": 0.0, "rest": 0.0}
    todo = [(top, "rest")]
    while todo:
        pid, role = todo.pop()
        p = procs.get(pid)
        comm, argv = (p.comm, p.argv) if p else ("", [])
        if comm.startswith("tg-"):
            role = "pool"
        elif any("gunicorn" in a for a in argv[:3]):
            role = "web"
        elif role == "rest" and "server.cli" in argv and "worker" in argv:
            role = "worker"
        out[role] += p.cpu if p else 0.0
        todo += [(k, role) for k in kids.get(pid, [])]
    return out


def delta(after: dict[str, float], before: dict[str, float], per: int) -> dict[str, float]:
    """CPU ms per submission of each role between two cpu_by_role readings."""
    return {k: round(1000 * (after[k] - before.get(k, 0.0)) / per, 1) for k in after}


# ---- one checkout (a child process whose imports come from that checkout) ---------------------

def engine_rate(root: Path, subs, rows: int) -> tuple[float, dict]:
    """Gradings/s of a warm Grader, one grading in flight per core, after one warm-up grading,
    and the CPU ms a grading by role (the Grader's process is "rest").
    The pool has the worker's shape (a zygote of each kind per core and one more, all started:
    server.grading.worker.grading_backend), so that the engine is measured at its best."""
    from graders import Exercise, Grader
    from graders.pool import cores
    exercises = {slug: Exercise.load(root / "exercises" / slug) for slug, _ in subs}
    jobs = [subs[i % len(subs)] for i in range(rows)]
    lock = threading.Lock()

    from graders.pool import WarmPool
    with Grader(WarmPool(size=cores() + 1, start=cores() + 1)) as g:     # all started, warm
        g.backend.wait_ready()
        first = exercises[subs[-1][0]]
        g.grade(first, first.starter.read_bytes())         # what the worker's warm-up does

        def work():
            while True:
                with lock:
                    if not jobs:
                        return
                    slug, code = jobs.pop()
                g.grade(exercises[slug], code)
        threads = [threading.Thread(target=work) for _ in range(cores())]
        c0, t0 = cpu_by_role(os.getpid()), time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rate = rows / (time.monotonic() - t0)
        time.sleep(0.2)                 # the last job processes reaped
        return rate, delta(cpu_by_role(os.getpid()), c0, rows)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(root: Path, home: Path) -> tuple[subprocess.Popen, str, Path]:
    instance, port = home / "instance", free_port()
    log = home / "serve.log"
    env = dict(os.environ, TRACEGRADE_INSTANCE=str(instance), PYTHONPATH=str(root),
               TRACEGRADE_ALLOW_UNSANDBOXED=os.environ.get("TRACEGRADE_ALLOW_UNSANDBOXED", "1"))
    for k in ("TRACEGRADE_BROKER_URL", "TRACEGRADE_DATABASE_URL"):
        env.pop(k, None)
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port),
                                 "--instance", str(instance), "--exercises", str(root / "exercises")],
                                cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if proc.poll() is not None:
            raise RuntimeError(f"tracegrade serve exited:\n{text[-3000:]}")
        if " ready" in text:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return proc, url, instance
            except OSError:
                pass
        time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError(f"tracegrade serve did not start:\n{log.read_text()[-3000:]}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def make_tokens(db, course_slug: str, n: int) -> list[str]:
    from sqlalchemy import select

    from server.models import ApiToken, Course, Enrollment, User
    from server.security import new_api_token
    tokens = []
    with db.sessions() as s:
        course = s.scalar(select(Course).where(Course.slug == course_slug))
        for i in range(n):
            user = User(email=f"burst{i}@example.org", password_hash="!")
            s.add(user)
            s.flush()
            s.add(Enrollment(user_id=user.id, course_id=course.id, role="student"))
            token, digest = new_api_token()
            s.add(ApiToken(user_id=user.id, token_hash=digest))
            tokens.append(token)
        s.commit()
    return tokens


def post(url: str, token: str, course: str, exercise: str, code: str) -> None:
    body = json.dumps({"course": course, "exercise": exercise, "code": code}).encode()
    req = urllib.request.Request(url + "/api/v1/submissions", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        if r.status != 202:
            raise RuntimeError(f"POST answered {r.status}")


def drain_rate(root: Path, course: str, subs, rows: int) -> dict:
    """Post `rows` submissions through the API of a fresh `tracegrade serve`; seconds from the
    first post to the last graded."""
    from sqlalchemy import func, select

    from server.db import Database
    from server.models import Submission
    home = Path(tempfile.mkdtemp(prefix="tracegrade-burst-"))
    proc, url, instance = start_server(root, home)
    db = Database(f"sqlite:///{instance / 'tracegrade.sqlite'}")
    try:
        tokens = make_tokens(db, course, USERS)
        jobs = [(tokens[i % USERS], *subs[i % len(subs)]) for i in range(rows)]
        errors: list[str] = []
        lock = threading.Lock()

        def poster():
            while True:
                with lock:
                    if not jobs or errors:
                        return
                    token, exercise, code = jobs.pop(0)
                try:
                    post(url, token, course, exercise, code)
                except (OSError, RuntimeError) as e:
                    errors.append(f"{exercise}: {e}")
        threads = [threading.Thread(target=poster) for _ in range(POSTERS)]
        me0, c0, t0 = os.times(), cpu_by_role(proc.pid), time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        posted = time.monotonic() - t0
        if errors:
            raise RuntimeError(f"{len(errors)} post(s) failed, e.g. {errors[0]}")
        while True:
            with db.sessions() as s:
                left = s.scalar(select(func.count()).where(Submission.status.in_(("queued", "running"))))
            if not left:
                break
            if time.monotonic() - t0 > 1800:
                raise RuntimeError(f"{left} submission(s) still not graded after 30 minutes")
            time.sleep(0.2)                 # a query costs CPU that the gradings compete for
        elapsed = time.monotonic() - t0
        time.sleep(0.2)
        cpu = delta(cpu_by_role(proc.pid), c0, rows)
        me = os.times()
        cpu["client"] = round(1000 * (me.user + me.system - me0.user - me0.system) / rows, 1)
        with db.sessions() as s:
            status = dict(s.execute(select(Submission.status, func.count()).group_by(Submission.status)).all())
        return {"drain": rows / elapsed, "seconds": elapsed, "posting_seconds": posted,
                "statuses": status, "drain_cpu_ms": cpu}
    finally:
        db.dispose()
        stop_server(proc)
        if not os.environ.get("TRACEGRADE_BENCH_KEEP"):
            import shutil
            shutil.rmtree(home, ignore_errors=True)


def one_side(root: Path, rows: int) -> dict:
    sys.path.insert(0, str(root))
    os.chdir(root)
    course, subs = mix(root)
    before = load()
    engine1, cpu1 = engine_rate(root, subs, rows)
    drained = drain_rate(root, course, subs, rows)
    engine2, cpu2 = engine_rate(root, subs, rows)
    engine = (engine1 + engine2) / 2
    engine_cpu = {k: round((cpu1[k] + cpu2[k]) / 2, 1) for k in cpu1}
    return {"root": str(root), "engines": [engine1, engine2], "engine": engine,
            "engine_cpu_ms": engine_cpu, **drained,
            "ratio": drained["drain"] / engine, "load_before": before, "load_after": load(),
            "mix": f"course {course}: {len(subs) // 2} exercises, solution and starter each "
                   f"({len(subs)} submissions), cycled to {rows}"}


# ---- the comparison ------------------------------------------------------------------------

def worktree(rev: str) -> Path:
    sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    path = Path(tempfile.gettempdir()) / f"tracegrade-burst-{sha}"
    if not path.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(path), sha], cwd=ROOT, check=True,
                       capture_output=True)
    return path


def measure(root: Path, rows: int) -> dict:
    out = subprocess.run([sys.executable, str(HERE), "--side", str(root), "--rows", str(rows)],
                         cwd=root, env=dict(os.environ, PYTHONPATH=str(root)),
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"measuring {root} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def label(root: Path) -> str:
    sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                         text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                           capture_output=True, text=True).stdout.strip()
    return sha + ("+changes" if dirty else "")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=300, help="submissions in the burst")
    ap.add_argument("--baseline", metavar="REV", help="also measure this commit (a git worktree)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--side", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.side:
        print(json.dumps(one_side(args.side.resolve(), args.rows)))
        return 0
    sides = []
    if args.baseline:
        base = worktree(args.baseline)
        sides.append((label(base), measure(base, args.rows)))
    sides.append((label(ROOT) + " (this)", measure(ROOT, args.rows)))
    if args.json:
        print(json.dumps({name: r for name, r in sides}))
        return 0
    print(f"mix: {sides[0][1]['mix']}; {os.cpu_count()} CPUs")
    print(f"{'checkout':<22} {'engine /s':>10} {'drain /s':>9} {'ratio':>6}  target {TARGET}   "
          f"(engine before/after; drain s; posting s; load before/after)")
    for name, r in sides:
        met = "met" if r["ratio"] >= TARGET else "MISSED"
        print(f"{name:<22} {r['engine']:>10.2f} {r['drain']:>9.2f} {r['ratio']:>6.2f}  {met:<13}"
              f"({r['engines'][0]:.2f}/{r['engines'][1]:.2f}; {r['seconds']:.1f}; "
              f"{r['posting_seconds']:.1f}; {r['load_before']:.1f}/{r['load_after']:.1f}) "
              f"{r['statuses']}")
    print("CPU ms a submission (the engine's Grader process is its 'rest'; the client is this benchmark posting);")
    print("CPU ratio: the engine's CPU a grading over the server's a submission (client left out: a real one is remote)")
    for name, r in sides:
        e, d = r.get("engine_cpu_ms"), r.get("drain_cpu_ms")
        if e and d:
            engine, server = e["pool"] + e["rest"], sum(v for k, v in d.items() if k != "client")
            print(f"  {name:<20} engine: pool {e['pool']}, Grader {e['rest']} = {engine:.1f}; "
                  f"drain: pool {d['pool']}, worker {d['worker']}, web {d['web']}, rest {d['rest']} "
                  f"= {server:.1f} (client {d['client']}); CPU ratio {engine / server:.2f}")
    return 0 if sides[-1][1]["ratio"] >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
