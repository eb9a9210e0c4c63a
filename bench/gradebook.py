"""Gradebook load time and CSV export time on a seeded course: 300 students x 10 exercises x 20
submissions each (60,000 graded submissions with 2 test results each), in SQLite.

    python bench/gradebook.py [--students 300] [--submissions 20] [--rounds 5] [--json]

Seeds a fresh instance in a temporary folder (the bundled course, synced), then times, through
the Flask app as a logged-in instructor: the gradebook page, the wide CSV and the long CSV
(median and worst wall-clock time of --rounds, and the median CPU time of this process, which
does not grow when other processes share the machine). Prints a table, or one JSON object with
--json, with the load average at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from server import create_app  # noqa: E402
from server.catalog import sync_course  # noqa: E402
from server.db import Database  # noqa: E402
from server.migrate import upgrade  # noqa: E402
from server.models import (Course, Enrollment, Exercise, Submission, TestResult,  # noqa: E402
                           User)
from server.security import hash_password  # noqa: E402

DIAGNOSES = ["gradients_accumulate", "optimizer_never_stepped", "double_sigmoid", None, None]
PASSWORD = "bench password 1"


def seed(instance: Path, students: int, per: int) -> None:
    url = f"sqlite:///{instance / 'tracegrade.sqlite'}"
    upgrade(url)
    db = Database(url)
    rnd = random.Random(1)
    with db.session() as s:
        sync_course(s, ROOT / "exercises", instance)
    with db.session() as s:
        course = s.scalar(select(Course))
        exercises = s.scalars(select(Exercise).where(Exercise.course_id == course.id)).all()
        due = datetime(2026, 12, 1, 12, 0)
        for ex in exercises:
            ex.due_at, ex.late_until, ex.late_penalty = due, due + timedelta(days=2), 0.2
        pw = hash_password(PASSWORD)
        s.execute(insert(User), [{"email": f"s{i:03d}@example.org", "password_hash": pw,
                                  "session_version": 0} for i in range(students)]
                  + [{"email": "prof@example.org", "password_hash": pw, "session_version": 0}])
        users = dict(s.execute(select(User.email, User.id)).all())
        s.execute(insert(Enrollment), [{"user_id": uid, "course_id": course.id,
                                        "role": "instructor" if e.startswith("prof") else "student"}
                                       for e, uid in users.items()])
        rows = []
        for email, uid in users.items():
            if email.startswith("prof"):
                continue
            for ex in exercises:
                for k in range(per):
                    score = min(ex.points, round(rnd.random() * ex.points * (0.5 + k / per), 2))
                    at = due - timedelta(hours=per - k) + timedelta(minutes=rnd.randint(0, 200))
                    rows.append({"user_id": uid, "exercise_id": ex.id, "version_id": ex.current_version_id,
                                 "code": "x = 1\n", "status": "graded", "verdict": "graded",
                                 "score": score, "max_score": ex.points, "message": "", "stdout": "",
                                 "stderr": "", "attempts": 1, "priority": 0, "created_at": at,
                                 "graded_at": at})
        s.execute(insert(Submission), rows)
        ids = s.execute(select(Submission.id, Submission.score, Submission.max_score)).all()
        tests = []
        for sid, score, max_score in ids:
            full = score >= max_score
            tests.append({"submission_id": sid, "position": 0, "name": "Loss matches", "score": 1.0,
                          "max_score": 1.0, "status": "passed", "message": "", "visibility": "visible"})
            tests.append({"submission_id": sid, "position": 1, "name": "Parameters match",
                          "score": score, "max_score": max_score, "status": "passed" if full else "failed",
                          "message": "", "visibility": "visible",
                          "diagnosis": None if full else rnd.choice(DIAGNOSES)})
        s.execute(insert(TestResult), tests)
    db.dispose()


def timed(client, url: str, rounds: int) -> tuple[list[float], list[float], int]:
    """Wall-clock and CPU milliseconds of each request (the app runs in this process, so CPU time
    is the work done, whatever else the machine is doing), and the response size."""
    wall, cpu, size = [], [], 0
    for _ in range(rounds):
        t0, c0 = time.perf_counter(), time.process_time()
        r = client.get(url)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert r.status_code == 200, (url, r.status_code)
        size = len(r.data)
    return wall, cpu, size


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=300)
    ap.add_argument("--submissions", type=int, default=20, help="per student and exercise")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tg-bench-") as tmp:
        instance = Path(tmp) / "instance"
        instance.mkdir()
        t0 = time.perf_counter()
        seed(instance, args.students, args.submissions)
        seeded = time.perf_counter() - t0
        app = create_app({"INSTANCE": str(instance), "SECRET_KEY": "bench", "TESTING": True,
                          "DATABASE_URL": f"sqlite:///{instance / 'tracegrade.sqlite'}",
                          "CSRF_DISABLED": True, "SESSION_COOKIE_SECURE": False})
        client = app.test_client()
        r = client.post("/login", data={"email": "prof@example.org", "password": PASSWORD})
        assert r.status_code == 302, "bench login failed"
        slug = "backprop"
        figures = {"students": args.students, "exercises": 10, "submissions_per_cell": args.submissions,
                   "submissions": args.students * 10 * args.submissions, "seed_s": round(seeded, 1)}
        for name, url in [("gradebook_page", f"/teach/c/{slug}/gradebook"),
                          ("csv_wide", f"/teach/c/{slug}/grades.csv?format=csv"),
                          ("csv_long", f"/teach/c/{slug}/grades.csv?format=long")]:
            times, cpu, size = timed(client, url, args.rounds)
            figures[f"{name}_median_ms"] = round(statistics.median(times), 1)
            figures[f"{name}_max_ms"] = round(max(times), 1)
            figures[f"{name}_cpu_median_ms"] = round(statistics.median(cpu), 1)
            figures[f"{name}_kb"] = round(size / 1024, 1)
        app.extensions["tracegrade.db"].dispose()
    figures["load_average_1min"] = round(os.getloadavg()[0], 2)
    figures["cores"] = os.cpu_count()
    if args.json:
        print(json.dumps(figures))
    else:
        for k, v in figures.items():
            print(f"{k:28s} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
