"""A server that heals: the grading worker under `tracegrade serve` is killed with SIGKILL during a
burst; the web keeps answering, serve starts the worker again, and every submission is graded
once with the score its code deserves."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from sqlalchemy import func, select

from server.db import Database
from server.models import Submission, TestResult
from tests.conftest import GOOD_TRAIN_STEP
from tests.server.conftest import gen_token, gen_user, write_course
from tests.server.live import LiveServer, Prober, post

BAD = (Path(__file__).resolve().parents[1] / "exercises" / "corpus" / "one-training-step"
       / "bad_no_zero_grad.py").read_text()
USERS, EACH = 6, 20          # 120 submissions, under the per-user submission limit


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(p) for p in (task / "children").read_text().split()]
    return out


def worker_pid(serve_pid: int) -> int | None:
    for pid in children(serve_pid):
        try:
            if b"worker" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0"):
                return pid
        except FileNotFoundError:
            pass
    return None


def test_killed_worker_is_restarted_and_nothing_is_lost(tmp_path):
    instance = tmp_path / "site" / "instance"
    with LiveServer(instance, write_course(tmp_path / "course")) as live:
        db = Database(f"sqlite:///{instance / 'tracegrade.sqlite'}")
        with db.sessions() as s:
            tokens = [gen_token(s, gen_user(s, f"burst{i}@example.org")) for i in range(USERS)]
        prober = Prober(live.url)
        prober.start()
        sent: dict[int, str] = {}
        killed = None
        for i in range(USERS * EACH):
            code = GOOD_TRAIN_STEP if i % 2 == 0 else BAD
            try:
                sid = post(live.url, tokens[i % USERS], code)
            except OSError as e:
                raise AssertionError(f"submission {i + 1} failed: {e!r}\n{live.output()[-4000:]}") from e
            sent[sid] = "good" if code is GOOD_TRAIN_STEP else "bad"
            if i == USERS * EACH // 3:
                killed = worker_pid(live.proc.pid)
                assert killed, "no worker process under tracegrade serve"
                os.kill(killed, signal.SIGKILL)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with db.sessions() as s:
                left = s.scalar(select(func.count()).where(Submission.status.in_(("queued", "running"))))
            if left == 0:
                break
            time.sleep(0.5)
        prober.done.set()
        prober.join()
        out = live.output()
        assert left == 0, f"{left} submissions never graded\n{out[-3000:]}"
        assert "the grading worker exited (killed by SIGKILL); starting it again" in out
        restarted = worker_pid(live.proc.pid)
        assert restarted and restarted != killed
        with db.sessions() as s:
            rows = s.scalars(select(Submission).where(Submission.id.in_(list(sent)))).all()
            tests = dict(s.execute(select(TestResult.submission_id, func.count())
                                   .group_by(TestResult.submission_id)).all())
            positions = s.execute(select(TestResult.submission_id, TestResult.position, func.count())
                                  .group_by(TestResult.submission_id, TestResult.position)
                                  .having(func.count() > 1)).all()
        db.dispose()
        assert len(rows) == len(sent) == USERS * EACH
        assert {r.status for r in rows} == {"graded"}
        assert positions == [], "a submission has its test results stored twice"
        scores = {kind: {r.score for r in rows if sent[r.id] == kind} for kind in ("good", "bad")}
        assert scores["good"] == {rows[0].max_score}, scores
        assert len(scores["bad"]) == 1 and scores["bad"] != scores["good"], scores
        assert all(tests.get(r.id) for r in rows)
        assert prober.answers > 0 and prober.failures == [], prober.failures[:5]
