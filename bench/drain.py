"""Drain rate of the grading queue: N submissions queued at once on PostgreSQL, graded by K
`tracegrade worker` processes (each with its own instance folder); prints submissions/s.
With --broker-url the workers are Celery workers on that Redis, their instance folders start
empty (exercise files come from the database), and each queued row is sent as a task.

    .venv/bin/python bench/drain.py --workers 1 --rows 300 --database-url postgresql+psycopg://...
    .venv/bin/python bench/drain.py --workers 2 --rows 300 --database-url ... --broker-url redis://127.0.0.1:6379/0
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.grading import queue  # noqa: E402
from server.catalog import sync_course  # noqa: E402
from server.db import Database  # noqa: E402
from server.migrate import upgrade  # noqa: E402
from server.models import Exercise, Submission, User  # noqa: E402

GOOD = (ROOT / "exercises" / "one-training-step" / "solution.py").read_text()
BAD = (ROOT / "exercises" / "one-training-step" / "starter.py").read_text()


def left(url: str) -> int:
    db = Database(url)
    try:
        with db.sessions() as s:
            return s.scalar(select(func.count()).where(Submission.status.in_(("queued", "running"))))
    finally:
        db.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--rows", type=int, default=300)
    ap.add_argument("--database-url", required=True,
                    help="an empty PostgreSQL database, postgresql+psycopg://USER@HOST:PORT/DB")
    ap.add_argument("--broker-url", default=None,
                    help="grade through Celery on this Redis (an empty one), redis://HOST:PORT/DB")
    ap.add_argument("--concurrency", type=int, default=None,
                    help="with --broker-url: grading threads per worker process (default: cores)")
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="tracegrade-drain-"))
    try:
        instance = home / "instance"
        instance.mkdir()
        course = home / "course"
        course.mkdir()
        (course / "course.toml").write_text('slug = "bench"\ntitle = "Bench"\nexercises = ["one-training-step"]\n')
        (course / "one-training-step").symlink_to(ROOT / "exercises" / "one-training-step")
        url = args.database_url
        upgrade(url)
        db = Database(url)
        with db.session() as s:
            sync_course(s, course, instance)
            s.add(User(email="bench@example.org", password_hash="x"))
        if args.broker_url:
            from server.grading import dispatch
            dispatch.install(db.sessions, args.broker_url)     # a task per row after the commit
        procs = []
        for k in range(args.workers):
            own = home / f"machine-{k}" / "instance"
            if args.broker_url:
                own.mkdir(parents=True)         # nothing shared: files come from the database
            else:
                shutil.copytree(instance, own, symlinks=True)
            env = dict(os.environ, TRACEGRADE_DATABASE_URL=url, TRACEGRADE_INSTANCE=str(own),
                       TRACEGRADE_ALLOW_UNSANDBOXED=os.environ.get("TRACEGRADE_ALLOW_UNSANDBOXED", "1"))
            env.pop("TRACEGRADE_BROKER_URL", None)
            if args.broker_url:
                env["TRACEGRADE_BROKER_URL"] = args.broker_url
            extra = ["--concurrency", str(args.concurrency)] if args.broker_url and args.concurrency else []
            log = open(own.parent / "worker.log", "wb")
            procs.append((subprocess.Popen([sys.executable, "-m", "server.cli", "worker", "--instance",
                                            str(own), "--name", f"drain-{k}", *extra], cwd=ROOT, env=env,
                                           stdout=log, stderr=subprocess.STDOUT), own.parent / "worker.log"))
        try:
            deadline = time.monotonic() + 300
            ready = b" ready." if args.broker_url else b"ready"     # Celery's: consuming
            while not all(ready in path.read_bytes() for _, path in procs):
                if time.monotonic() > deadline or any(p.poll() is not None for p, _ in procs):
                    print("workers did not start:\n" + procs[0][1].read_text()[-2000:])
                    return 1
                time.sleep(0.2)
            with db.sessions() as s:
                user = s.scalar(select(User))
                ex = s.scalar(select(Exercise))
                for i in range(args.rows):
                    queue.enqueue(s, user, ex, GOOD if i % 2 == 0 else BAD, 256)
                s.commit()
            t0 = time.monotonic()
            while left(url) and time.monotonic() - t0 < 1800:
                time.sleep(0.2)
            elapsed = time.monotonic() - t0
        finally:
            for p, _ in procs:
                p.terminate()
                p.wait(timeout=60)
        db.dispose()
        kind = url.split(":", 1)[0] + (", Celery on Redis" if args.broker_url else "")
        print(f"{args.rows} submissions, {args.workers} worker process(es), {kind}: "
              f"{elapsed:.1f} s, {args.rows / elapsed:.2f} submissions/s, {os.cpu_count()} CPUs")
        return 0
    finally:
        if not os.environ.get("TRACEGRADE_BENCH_KEEP"):
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
