"""The sweep of scale-out grading: leases that ran out go back to the queue, and queued rows whose
message went out more than REDISPATCH_SECONDS ago (or never), beyond those the broker still holds
messages for, get a new one, so a lost message or a Redis restart loses nothing. Safe with several
sweepers: rows are taken FOR UPDATE SKIP LOCKED and stamped (dispatched_at) in one transaction; a
message sent twice grades once (queue.claim_id).
"""
from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from server.db import Database, utcnow
from server.grading import broker, heartbeat, queue
from server.models import Submission

log = logging.getLogger("tracegrade.sweep")
REDISPATCH_SECONDS = float(os.environ.get("TRACEGRADE_REDISPATCH_SECONDS") or 60.0)
EVERY_SECONDS = 5.0
BATCH = 500


def take_stale(db: Session, older_than: float, limit: int = BATCH) -> list[tuple[int, int]]:
    """(id, priority) of queued rows not sent for older_than seconds, stamped as sent now."""
    cutoff = utcnow() - timedelta(seconds=older_than)
    rows = db.execute(select(Submission.id, Submission.priority)
                      .where(Submission.status == "queued",
                             or_(Submission.dispatched_at.is_(None), Submission.dispatched_at < cutoff))
                      .order_by(Submission.priority, Submission.id).limit(limit)
                      .with_for_update(skip_locked=True)).all()
    if rows:
        db.execute(update(Submission).where(Submission.id.in_([r[0] for r in rows]))
                   .values(dispatched_at=utcnow()))
    db.commit()
    return [(r[0], r[1]) for r in rows]


def sweep(database: Database, app, older_than: float = REDISPATCH_SECONDS) -> tuple[int, int]:
    """One round: (leases expired, messages sent again). Only as many rows are re-sent as there
    are queued rows beyond the messages waiting in the broker, oldest first: the queue is first
    in, first out, so a row whose message was lost is older than the rows still waiting."""
    with database.sessions() as s:
        expired = queue.sweep_expired(s)
        queued = s.scalar(select(func.count()).where(Submission.status == "queued"))
    if not queued:
        return expired, 0
    try:
        missing = queued - broker.waiting(app)
    except Exception as e:
        log.warning("the broker does not answer (%s: %s); %d submission(s) wait in the database "
                    "and are sent when it is back", type(e).__name__, str(e)[:200], queued)
        return expired, 0
    if missing <= 0:
        return expired, 0
    with database.sessions() as s:
        rows = take_stale(s, older_than, min(BATCH, missing))
    sent = 0
    for sid, prio in rows:
        try:
            broker.send(app, sid, prio)
            sent += 1
        except Exception as e:          # stamped anyway: tried again after older_than
            log.warning("the broker did not take submission %d again (%s)", sid, e)
            break
    return expired, sent


class Upkeep(threading.Thread):
    """A broker worker's background chores: its heartbeat, and the sweep every EVERY_SECONDS."""

    def __init__(self, database: Database, app, name: str, older_than: float = REDISPATCH_SECONDS):
        super().__init__(daemon=True, name="tracegrade-upkeep")
        self.database, self.app, self.worker_name, self.older_than = database, app, name, older_than
        self._stop_event = threading.Event()

    def run(self) -> None:
        while True:
            try:
                with self.database.sessions() as s:
                    heartbeat.beat(s, self.worker_name)
                expired, sent = sweep(self.database, self.app, self.older_than)
                if expired or sent:
                    log.warning("sweep: %d lease(s) ran out, %d submission(s) sent to the broker "
                                "again", expired, sent)
            except DBAPIError as e:
                log.warning("sweep: the database is unavailable (%s)",
                            str(e.orig).strip().splitlines()[0][:200])
            except Exception:
                log.exception("sweep failed")
            if self._stop_event.wait(EVERY_SECONDS):
                return

    def stop(self) -> None:
        self._stop_event.set()
