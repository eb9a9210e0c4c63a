"""The grading worker: one long-lived Grader (the warm pool, when there is one) pulling queued
submissions from the database, grading each with the exercise version it was submitted to.
It waits on a wake-up socket (server/grading/wakeup.py) that the web processes ping after queueing, and
polls the database every poll_seconds anyway (a lost wake-up, or web and worker on two hosts).

Stops cleanly on SIGINT/SIGTERM: a claim in progress goes back to the queue uncounted.
"""
from __future__ import annotations

import logging
import signal
import socket
import threading
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

import graders
from graders import Grader, GradingError
from graders.pool.backends import ColdBackend
from server.grading import heartbeat, queue, versions, wakeup
from server.db import Database, is_unavailable, wait_until_ready
from server.models import ExerciseVersion, Submission

log = logging.getLogger("tracegrade.worker")
SWEEP_SECONDS = 10.0


class Stop(Exception):
    """Raised in the main thread by SIGINT/SIGTERM."""


def default_name() -> str:
    return f"worker-1@{socket.gethostname()}"


def require_sandbox() -> None:
    """Refuse to grade unsandboxed on a server (unless TRACEGRADE_ALLOW_UNSANDBOXED=1, which the
    pool's check reads), once the warm pool offers the check."""
    try:
        from graders import pool
    except ImportError:
        return
    if hasattr(pool, "require_sandbox"):
        pool.require_sandbox()


class Worker:
    def __init__(self, database: Database, instance: Path, name: str | None = None,
                 poll_seconds: float = 0.5, output_cap: int = 64 * 1024):
        self.db = database
        self.instance = Path(instance)
        self.name = name or default_name()
        self.poll_seconds = poll_seconds
        self.output_cap = output_cap
        self._exercises: dict[int, graders.Exercise] = {}
        self._next_sweep = 0.0
        self._next_beat = 0.0
        self._orphaned = False        # an outage interrupted a claim: give it back when we can

    def run(self, grader: Grader, once: bool = False, max_jobs: int | None = None) -> int:
        """Grade until stopped (or, with once, until the queue is empty). Returns jobs done."""
        with self.db.sessions() as s:
            starts = heartbeat.record_start(s, self.name)
            n = queue.recover_worker(s, self.name)
        if starts > 1:
            log.info("worker %s started again (start %d)", self.name, starts)
        if n:
            log.info("put %d submission(s) claimed by a previous run back in the queue", n)
        done = 0
        # bound before the first claim: a submission queued after a claim found nothing leaves
        # its datagram in the socket, and the wait below returns at once
        listener = None if once else wakeup.Listener.open(self.instance)
        try:
            outage = 0.0
            while max_jobs is None or done < max_jobs:
                try:
                    self._beat()
                    self._sweep()
                    with self.db.sessions() as s:
                        if self._orphaned and queue.recover_worker(s, self.name) >= 0:
                            self._orphaned = False
                        c = queue.claim(s, self.name)
                    outage = 0.0
                except DBAPIError as e:
                    if not is_unavailable(e):
                        raise
                    outage = min(30.0, outage * 2 or 1.0)     # the database went away: wait
                    log.warning("database unavailable (%s); retrying in %.0f s",
                                str(e.orig).strip().splitlines()[0][:200], outage)
                    time.sleep(outage)
                    continue
                if c is None:
                    if once:
                        break
                    if listener is None:
                        time.sleep(self.poll_seconds)
                    else:
                        listener.wait(self.poll_seconds)
                    continue
                try:
                    self._grade(grader, c)
                except DBAPIError as e:
                    if not is_unavailable(e):
                        raise
                    log.warning("database unavailable while grading submission %d: %s",
                                c.submission_id, str(e.orig).strip().splitlines()[0][:200])
                    self._orphaned = True
                    continue
                done += 1
        finally:
            if listener is not None:
                listener.close()
        return done

    def warm_up(self, grader: Grader) -> None:
        """Grade one exercise's starter (public code) once, so a warm pool has imported and run
        everything before the first student waits on it. A cold backend gains nothing: skipped."""
        if isinstance(grader.backend, ColdBackend):
            return
        with self.db.sessions() as s:
            version = s.scalar(select(ExerciseVersion).order_by(ExerciseVersion.id.desc()).limit(1))
        if version is None:
            return
        exercise = self._exercise(version)
        if not exercise.starter.is_file():
            return
        t0 = time.monotonic()
        try:
            grader.grade(exercise, exercise.starter.read_bytes())
        except GradingError as e:
            log.warning("warm-up grading failed: %s", e)
            return
        log.info("warm-up grading took %.2f s", time.monotonic() - t0)

    def _beat(self) -> None:
        if time.monotonic() < self._next_beat:
            return
        self._next_beat = time.monotonic() + heartbeat.BEAT_SECONDS
        with self.db.sessions() as s:
            heartbeat.beat(s, self.name)

    def _sweep(self) -> None:
        if time.monotonic() < self._next_sweep:
            return
        self._next_sweep = time.monotonic() + SWEEP_SECONDS
        with self.db.sessions() as s:
            n = queue.sweep_expired(s)
        if n:
            log.warning("put %d submission(s) with an expired lease back in the queue", n)

    def grade_claim(self, grader: Grader, c: queue.Claim) -> None:
        """Grade a claimed submission and store its result (the broker task's entry)."""
        self._grade(grader, c)

    def _grade(self, grader: Grader, c: queue.Claim) -> None:
        with self.db.sessions() as s:
            sub = s.get(Submission, c.submission_id)
            code, version = sub.code, sub.version
            exercise = self._exercise(version)
        beat = _Heartbeat(self.db, c, self.name)
        beat.start()
        try:
            t0 = time.monotonic()
            result = grader.grade(exercise, code)
        except GradingError as e:
            log.error("grading submission %d failed (attempt %d): %s", c.submission_id, c.attempt, e)
            with self.db.sessions() as s:
                queue.fail(s, c)
            return
        except Stop:
            with self.db.sessions() as s:
                queue.unclaim(s, c)
            raise
        finally:
            beat.stop()
        stored = self._store(c, result)
        log.info("submission %d: %s %.4g/%.4g in %.2f s%s", c.submission_id, result.verdict.value,
                 result.score, result.max_score, time.monotonic() - t0,
                 "" if stored else " (claim lost; result discarded)")

    def _store(self, c: queue.Claim, result) -> bool:
        """Store the result, retrying while the database is away (for as long as the lease would
        have kept the claim; a claim lost meanwhile makes the store a no-op)."""
        deadline, delay = time.monotonic() + 2 * queue.LEASE_SECONDS, 1.0
        while True:
            try:
                with self.db.sessions() as s:
                    return queue.store_result(s, c, result, self.output_cap)
            except DBAPIError as e:
                if not is_unavailable(e) or time.monotonic() + delay > deadline:
                    raise
                log.warning("database unavailable; storing submission %d again in %.0f s",
                            c.submission_id, delay)
                time.sleep(delay)
                delay = min(30.0, delay * 2)

    def _exercise(self, version) -> graders.Exercise:
        if version.id not in self._exercises:
            self._exercises[version.id] = versions.load(self.db, self.instance, version)
        return self._exercises[version.id]


class _Heartbeat(threading.Thread):
    """Extends the claim's lease while a long grading runs."""

    def __init__(self, database: Database, c: queue.Claim, worker: str,
                 every: float = heartbeat.BEAT_SECONDS):
        super().__init__(daemon=True)
        self.database, self.claim, self.claim_worker, self.every = database, c, worker, every
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.every):
            try:
                with self.database.sessions() as s:
                    queue.extend_lease(s, self.claim)
                    heartbeat.beat(s, self.claim_worker)
            except DBAPIError as e:        # the database is away: the next beat tries again
                log.warning("heartbeat failed: %s", str(e.orig).strip().splitlines()[0][:200])

    def stop(self) -> None:
        self._stop_event.set()


def install_signal_handlers() -> None:
    def handler(signum, _frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Stop(signal.Signals(signum).name)
    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def main(database_url: str, instance: Path, name: str | None = None, once: bool = False,
         wait: float | None = None) -> int:
    """Entry point of `tracegrade worker`: waits (with backoff; `wait` seconds at most, None for
    ever) until the database answers and is migrated, then grades."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        require_sandbox()
    except GradingError as e:
        log.error("%s", e)
        return 1
    install_signal_handlers()
    try:
        if not wait_until_ready(database_url, log.warning, timeout=wait):
            return 1
    except Stop as e:
        log.info("worker stopped while waiting for the database (%s)", e)
        return 0
    database = Database(database_url)
    worker = Worker(database, instance, name)
    try:
        with Grader() as grader:
            if not grader.sandboxed:
                log.warning("grading is NOT sandboxed (%s): only run code you trust",
                            getattr(grader.backend, "description", "") or type(grader.backend).__name__)
            worker.warm_up(grader)
            log.info("worker %s ready", worker.name)
            worker.run(grader, once=once)
    except Stop as e:
        log.info("worker %s stopped (%s)", worker.name, e)
    finally:
        database.dispose()
    return 0
