"""The Celery task of scale-out grading: claim the submission the message names (only while it is
queued, so a message delivered twice grades once) and grade it with this process's warm Grader.
"""
from __future__ import annotations

import logging
import time

from sqlalchemy.exc import DBAPIError

from server.db import is_unavailable
from server.grading import broker, queue

log = logging.getLogger("tracegrade.task")
CLAIM_PATIENCE = 60.0        # seconds a task waits for a database that went away, then leaves
                             # the row queued for the sweep
_state: dict = {}


def register(app, worker, grader) -> None:
    """Bind the task to this process's worker (database, exercise cache) and Grader."""
    _state.update(worker=worker, grader=grader)
    app.task(name=broker.TASK, acks_late=True, reject_on_worker_lost=True,
             ignore_result=True)(grade)


def grade(submission_id: int) -> str:
    worker, grader = _state["worker"], _state["grader"]
    c = _claim(worker, int(submission_id))
    if c is None:
        return "not queued (graded already, taken by another worker, or the database is away)"
    try:
        worker.grade_claim(grader, c)
    except DBAPIError as e:
        if not is_unavailable(e):
            raise
        log.warning("database unavailable while grading submission %d; its lease brings it back",
                    submission_id)
        return "database unavailable"
    return "graded"


def _claim(worker, submission_id: int) -> queue.Claim | None:
    deadline, delay = time.monotonic() + CLAIM_PATIENCE, 1.0
    while True:
        try:
            with worker.db.sessions() as s:
                return queue.claim_id(s, submission_id, worker.name)
        except DBAPIError as e:
            if not is_unavailable(e) or time.monotonic() + delay > deadline:
                if is_unavailable(e):
                    log.warning("database unavailable: submission %d stays queued for the sweep",
                                submission_id)
                    return None
                raise
            log.warning("database unavailable; claiming submission %d again in %.0f s",
                        submission_id, delay)
            time.sleep(delay)
            delay = min(30.0, delay * 2)
