"""The web side of scale-out grading: a commit that queued submissions sends one Celery task per
row (its id) after the commit; a send that fails is logged and left to the sweep (sweep.py).
"""
from __future__ import annotations

import logging
import time

from sqlalchemy import event
from sqlalchemy.orm import Session, attributes, sessionmaker

from server.db import utcnow
from server.grading import broker
from server.models import Submission

log = logging.getLogger("tracegrade.dispatch")
KEY = "tracegrade.dispatch"
QUIET_SECONDS = 10.0         # after a failed send, later commits do not try the broker for this long


class Sender:
    """Sends one app's queued rows to its broker; after a failed send it leaves the broker alone
    for QUIET_SECONDS (each app and broker has its own quiet period, not the whole process)."""

    def __init__(self, app):
        self.app = app
        self.down_until = 0.0

    def __call__(self, session: Session) -> None:
        pending = session.info.pop(KEY, None)
        if not pending or time.monotonic() < self.down_until:
            return
        for obj in pending:
            try:
                broker.send(self.app, obj.id, obj.priority or 0)
            except Exception as e:          # never fail a request whose row is committed
                self.down_until = time.monotonic() + QUIET_SECONDS
                log.warning("the broker did not take submission %s (%s: %s); it stays queued in "
                            "the database and the sweep sends it when the broker is back",
                            getattr(obj, "id", "?"), type(e).__name__, str(e)[:200])
                return


def init_app(app) -> None:
    """Send tasks after the app's commits when a broker is configured (else nothing)."""
    url = app.config.get("BROKER_URL")
    if url:
        install(app.extensions["tracegrade.db"].sessions, url)


def install(factory: sessionmaker, url: str) -> None:
    event.listen(factory, "before_flush", _mark)
    event.listen(factory, "after_commit", Sender(broker.app_for(url)))
    event.listen(factory, "after_rollback", lambda s: s.info.pop(KEY, None))


def _mark(session: Session, _ctx, _instances) -> None:
    """Submissions becoming queued in this flush: stamp dispatched_at, send after the commit."""
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, Submission) or obj.status != "queued":
            continue
        if obj in session.new or attributes.get_history(obj, "status").has_changes():
            obj.dispatched_at = utcnow()
            session.info.setdefault(KEY, []).append(obj)
