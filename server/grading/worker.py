"""The grading worker: one long-lived Grader (the warm pool, when there is one) pulling queued
submissions from the database, grading each with the exercise version it was submitted to, as
many at once as the pool has cores (a thread per slot; live submissions first: slots.py).
It waits on a wake-up socket (server/grading/wakeup.py) that the web processes ping after queueing, and
polls the database every poll_seconds anyway (a lost wake-up, or web and worker on two hosts).

Stops cleanly on SIGINT/SIGTERM: the claims in progress go back to the queue uncounted.
"""
from __future__ import annotations

import logging
import select as io
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
from graders.pool.warm import cores
from server.grading import heartbeat, queue, versions, wakeup
from server.grading.slots import ANY, LIVE_ONLY, Slots
from server.db import Database, is_unavailable, wait_until_ready
from server.models import LIVE, ExerciseVersion, Submission

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
                 poll_seconds: float = 0.5, output_cap: int = 64 * 1024, slots: int | None = None):
        """slots: submissions graded at once (default: one per core, graders.pool.cores())."""
        self.db = database
        self.slots = slots or cores()
        self._lock = threading.RLock()      # the exercise cache, shared by the grading threads
        self._stopping = False
        self._failure: BaseException | None = None
        self.instance = Path(instance)
        self.name = name or default_name()
        self.poll_seconds = poll_seconds
        self.output_cap = output_cap
        self._exercises: dict[int, graders.Exercise] = {}
        self._next_sweep = 0.0
        self._next_beat = 0.0
        self._orphaned = False        # an outage interrupted a claim: give it back when we can

    def run(self, grader: Grader, once: bool = False, max_jobs: int | None = None) -> int:
        """Grade until stopped (or, with once, until the queue is empty; with max_jobs, after
        that many claims), up to `slots` at once. Returns the gradings that ended."""
        log.info("worker %s grades up to %d submission(s) at once", self.name, self.slots)
        started = False
        slots = Slots(self.slots)
        self._failure = None
        self._stopping = False
        claimed = 0
        c = None
        # bound before the first claim: a submission queued after a claim found nothing leaves
        # its datagram in the socket, and the wait below returns at once
        listener = None if once else wakeup.Listener.open(self.instance)
        try:
            outage = 0.0
            while max_jobs is None or claimed < max_jobs:
                self._raise_failure()
                admits = slots.admits()
                c = None
                try:
                    if not started:             # in the loop: an outage now is waited out too
                        self._record_start()
                        started = True
                    self._beat(slots)
                    self._sweep()
                    if admits is not None:
                        with self.db.sessions() as s:
                            if self._orphaned and queue.recover_worker(s, self.name) >= 0:
                                self._orphaned = False
                            c = queue.claim(s, self.name,
                                            max_priority=LIVE if admits == LIVE_ONLY else None)
                    outage = 0.0
                except DBAPIError as e:
                    if not is_unavailable(e):
                        raise
                    outage = min(30.0, outage * 2 or 1.0)     # the database went away: wait
                    log.warning("database unavailable (%s); retrying in %.0f s",
                                str(e.orig).strip().splitlines()[0][:200], outage)
                    self._wait(slots, None, outage)
                    continue
                if c is not None:
                    slots.take(c)
                    claimed += 1
                    threading.Thread(target=self._grade_in_slot, args=(grader, c, slots),
                                     name=f"grade-{c.submission_id}", daemon=True).start()
                    continue
                if once and admits == ANY and not len(slots):
                    break                       # nothing queued, nothing in flight
                # a full worker waits for a slot; an idle one for a wake-up (or the next poll)
                self._wait(slots, listener if admits is not None else None, self.poll_seconds)
            while len(slots):                   # max_jobs or once: let the last gradings end
                self._raise_failure()
                self._beat(slots)
                self._wait(slots, None, self.poll_seconds)
            self._raise_failure()
        except Stop:
            self._stopping = True
            # a claim committed just before the signal may not be in a slot yet: it goes back too
            held = {x.submission_id: x for x in slots.claims()}
            if c is not None:
                held.setdefault(c.submission_id, c)
            self._give_back(list(held.values()))
            raise
        finally:
            if listener is not None:
                listener.close()
            if not len(slots):                  # else a grading thread may still write to it
                slots.close()
        return slots.finished

    def _wait(self, slots: Slots, listener, timeout: float) -> None:
        """Wait until a grading ends, a wake-up comes, or timeout (shorter while gradings are in
        flight, whose leases the next beat extends)."""
        if len(slots):
            timeout = max(0.01, min(timeout, self._next_beat - time.monotonic()))
        io.select([slots] + ([listener] if listener is not None else []),
                                    [], [], timeout)
        slots.drain()
        if listener is not None:
            listener.drain()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def _grade_in_slot(self, grader: Grader, c: queue.Claim, slots: Slots) -> None:
        """One grading thread: grade the claim and store its result (or give it up)."""
        counted = False
        try:
            self._grade(grader, c, beat=False)
            counted = True
        except DBAPIError as e:
            if is_unavailable(e):
                log.warning("database unavailable while grading submission %d: %s",
                            c.submission_id, str(e.orig).strip().splitlines()[0][:200])
                self._orphaned = True
            elif not self._stopping:
                self._failure = e
        except BaseException as e:      # a bug: the main loop raises it (the worker restarts)
            if not self._stopping:
                log.exception("grading submission %d crashed", c.submission_id)
                self._failure = e
        finally:
            slots.done(c, counted)

    def _give_back(self, claims: list[queue.Claim]) -> None:
        """Stopping: the claims in flight go back to the queue uncounted."""
        if not claims:
            return
        try:
            with self.db.sessions() as s:
                for c in claims:
                    queue.unclaim(s, c)
            log.info("put %d submission(s) being graded back in the queue", len(claims))
        except DBAPIError as e:         # their leases bring them back
            log.warning("could not give back %d claim(s): %s", len(claims),
                        str(e.orig).strip().splitlines()[0][:200])

    def _record_start(self) -> None:
        """This run's start in the worker's heartbeat row; what a previous run of this worker had
        claimed goes back to the queue."""
        with self.db.sessions() as s:
            starts = heartbeat.record_start(s, self.name)
            n = queue.recover_worker(s, self.name)
        if starts > 1:
            log.info("worker %s started again (start %d)", self.name, starts)
        if n:
            log.info("put %d submission(s) claimed by a previous run back in the queue", n)

    def warm_up(self, grader: Grader) -> None:
        """Grade one exercise's starter (public code) once, so a warm pool has imported and run
        everything before the first student waits on it. A cold backend gains nothing: skipped."""
        if isinstance(grader.backend, ColdBackend):
            return
        if hasattr(grader.backend, "wait_ready"):       # every zygote started, warm
            try:
                grader.backend.wait_ready()
            except GradingError as e:                   # the pool replaces it on demand
                log.warning("a grading process failed to start: %s", e)
        try:
            with self.db.sessions() as s:
                version = s.scalar(select(ExerciseVersion).order_by(ExerciseVersion.id.desc()).limit(1))
        except DBAPIError as e:         # the database went away while the pool started: no
            if not is_unavailable(e):   # warm-up grading then; the first submission warms it
                raise
            log.warning("warm-up skipped: the database is not answering (%s)",
                        str(e.orig).strip().splitlines()[0][:200] if e.orig else e)
            return
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

    def _beat(self, slots: Slots | None = None) -> None:
        """Every BEAT_SECONDS: the worker's heartbeat, and the leases of its claims in flight
        extended, in one transaction."""
        if time.monotonic() < self._next_beat:
            return
        self._next_beat = time.monotonic() + heartbeat.BEAT_SECONDS
        with self.db.sessions() as s:
            for c in slots.claims() if slots is not None else ():
                queue.extend_lease(s, c, commit=False)
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

    def _grade(self, grader: Grader, c: queue.Claim, beat: bool = True) -> None:
        """Grade one claim and store its result. beat: extend its lease from a thread of its own
        (the embedded loop extends all of its claims' leases itself)."""
        exercise, code = self._exercise_of(c), c.code
        if code is None:
            with self.db.sessions() as s:
                code = s.get(Submission, c.submission_id).code
        beat = _Heartbeat(self.db, c, self.name) if beat else None
        if beat is not None:
            beat.start()
        try:
            t0 = time.monotonic()
            result = grader.grade(exercise, code)
        except GradingError as e:
            if self._stopping:          # the pool is closing under us; the claim went back
                return
            log.error("grading submission %d failed (attempt %d): %s", c.submission_id, c.attempt, e)
            with self.db.sessions() as s:
                queue.fail(s, c)
            return
        except Stop:
            with self.db.sessions() as s:
                queue.unclaim(s, c)
            raise
        finally:
            if beat is not None:
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

    def _exercise_of(self, c: queue.Claim) -> graders.Exercise:
        """The exercise version the claimed submission is graded with (loaded once)."""
        with self._lock:
            if c.version_id is not None and c.version_id in self._exercises:
                return self._exercises[c.version_id]
            with self.db.sessions() as s:
                version = (s.get(ExerciseVersion, c.version_id) if c.version_id is not None
                           else s.get(Submission, c.submission_id).version)
                return self._exercise(version)

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


def grading_backend(slots: int):
    """The warm pool with a zygote of each kind per slot and one more, all started now: the live
    submission that takes the overflow slot (slots.py) must not wait for a zygote that a long
    regrade holds. None (the Grader's default) where there is no warm pool."""
    try:
        from graders.pool import WarmPool
    except ImportError:
        return None
    return WarmPool(size=slots + 1, start=slots + 1)


def install_signal_handlers() -> None:
    def handler(signum, _frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Stop(signal.Signals(signum).name)
    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def start_logging_and_check_sandbox() -> bool:
    """The start of every worker process: its log lines, and the refusal to grade unsandboxed
    on a server (False, said in the log)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        require_sandbox()
    except GradingError as e:
        log.error("%s", e)
        return False
    return True


def warn_if_unsandboxed(grader: Grader) -> None:
    if not grader.sandboxed:
        log.warning("grading is NOT sandboxed (%s): only run code you trust",
                    getattr(grader.backend, "description", "") or type(grader.backend).__name__)


def main(database_url: str, instance: Path, name: str | None = None, once: bool = False,
         wait: float | None = None, concurrency: int | None = None) -> int:
    """Entry point of `tracegrade worker`: waits (with backoff; `wait` seconds at most, None for
    ever) until the database answers and is migrated, then grades, `concurrency` at once
    (default: one per core)."""
    if not start_logging_and_check_sandbox():
        return 1
    install_signal_handlers()
    try:
        if not wait_until_ready(database_url, log.warning, timeout=wait):
            return 1
    except Stop as e:
        log.info("worker stopped while waiting for the database (%s)", e)
        return 0
    database = Database(database_url)
    worker = Worker(database, instance, name, slots=concurrency)
    try:
        with Grader(grading_backend(worker.slots)) as grader:
            warn_if_unsandboxed(grader)
            worker.warm_up(grader)
            log.info("worker %s ready", worker.name)
            worker.run(grader, once=once)
    except Stop as e:
        log.info("worker %s stopped (%s)", worker.name, e)
    finally:
        database.dispose()
    return 0
