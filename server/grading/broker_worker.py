"""`tracegrade worker` with TRACEGRADE_BROKER_URL: a Celery worker (threads, one per core) around
one warm Grader, that waits for the database, then for the broker, and keeps the sweep going.
"""
from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.exc import DBAPIError

from graders import Grader
from graders.pool.warm import cores
from server.db import Database, is_unavailable, wait_until_ready
from server.grading import broker, grading_task, heartbeat, queue
from server.grading.sweep import Upkeep
from server.grading.worker import (Worker, default_name, start_logging_and_check_sandbox,
                                   warn_if_unsandboxed)
from server.models import Submission

log = logging.getLogger("tracegrade.worker")


def main(database_url: str, instance: Path, broker_url: str, name: str | None = None,
         wait: float | None = None, concurrency: int | None = None) -> int:
    if not start_logging_and_check_sandbox():
        return 1
    try:
        if not wait_until_ready(database_url, log.warning, timeout=wait):
            return 1
    except KeyboardInterrupt:
        return 0
    database = Database(database_url)
    worker = Worker(database, Path(instance), name or default_name())
    app = broker.make_app(broker_url)
    threads = concurrency or cores()
    try:
        with Grader() as grader:
            warn_if_unsandboxed(grader)
            worker.warm_up(grader)
            try:
                _recover(database, worker.name)
            except DBAPIError as e:     # the database went away meanwhile: the sweep's expired
                if not is_unavailable(e):   # leases bring the previous run's claims back
                    raise
                log.warning("could not take back a previous run's claims now (the database is "
                            "not answering); their leases bring them back")
            grading_task.register(app, worker, grader)
            upkeep = Upkeep(database, app, worker.name)
            upkeep.start()
            log.info("worker %s ready: %d grading thread(s) on broker %s", worker.name, threads,
                     _redact(broker_url))
            try:
                app.worker_main(["worker", "--pool=threads", f"--concurrency={threads}",
                                 "--prefetch-multiplier=1", f"--hostname={worker.name}",
                                 "--queues", broker.QUEUE, "--without-gossip", "--without-mingle",
                                 "--without-heartbeat", "--loglevel=INFO"])
            except SystemExit as e:
                return int(e.code or 0) if isinstance(e.code, int) else 1
            finally:
                upkeep.stop()
    finally:
        database.dispose()
    return 0


def _recover(database: Database, name: str) -> None:
    """What a previous run of this worker had claimed goes back, to be sent again at once."""
    with database.sessions() as s:
        starts = heartbeat.record_start(s, name)
        s.execute(update(Submission).where(Submission.status == "running", Submission.worker == name)
                  .values(dispatched_at=None))
        s.commit()
        n = queue.recover_worker(s, name)
    if starts > 1:
        log.info("worker %s started again (start %d)", name, starts)
    if n:
        log.info("put %d submission(s) claimed by a previous run back in the queue", n)


def _redact(url: str) -> str:
    """The broker URL without its password."""
    from kombu.utils.url import maybe_sanitize_url
    return maybe_sanitize_url(url)
