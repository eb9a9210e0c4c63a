"""Rate limits kept in the database, so every web process and worker sees the same counts.

`allow(session, key, limit, window)` records one event and says whether it was within the limit;
`exceeded` and `record` split the two (login counts only failed attempts); `recent` gives the
count and the latest time of a key's events, for delays that grow with each failure.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.orm import Session

from server.db import utcnow
from server.models import RateEvent

KEEP = timedelta(days=1)
# built once and run on the session's connection: a submission counts and records one event
_COUNT = (select(func.count()).select_from(RateEvent)
          .where(RateEvent.key == bindparam("k"), RateEvent.at > bindparam("since")))
_ADD = insert(RateEvent.__table__)


def exceeded(db: Session, key: str, limit: int, window_seconds: float) -> bool:
    """True when `limit` or more events of `key` happened in the last `window_seconds`."""
    since = utcnow() - timedelta(seconds=window_seconds)
    return db.connection().execute(_COUNT, {"k": key, "since": since}).scalar() >= limit


def record(db: Session, key: str) -> None:
    """Count one event of `key` (the caller commits); now and then, forget day-old events."""
    now = utcnow()
    db.connection().execute(_ADD, {"key": key, "at": now})
    if random.random() < 0.01:
        db.execute(delete(RateEvent).where(RateEvent.at < now - KEEP))


def recent(db: Session, key: str, window_seconds: float) -> tuple[int, datetime | None]:
    """How many events of `key` happened in the last `window_seconds`, and when the last one was."""
    since = utcnow() - timedelta(seconds=window_seconds)
    count, last = db.execute(select(func.count(), func.max(RateEvent.at))
                             .where(RateEvent.key == key, RateEvent.at > since)).one()
    return count, last


def forget(db: Session, key: str) -> None:
    """Drop every event of `key` (the caller commits)."""
    db.execute(delete(RateEvent).where(RateEvent.key == key))


def allow(db: Session, key: str, limit: int, window_seconds: float) -> bool:
    """True (and the event is counted) when fewer than `limit` events of `key` happened in the
    last `window_seconds`; False (nothing counted) otherwise. The caller commits."""
    if exceeded(db, key, limit, window_seconds):
        return False
    record(db, key)
    return True


def retry_after(window_seconds: float) -> int:
    return max(1, int(window_seconds))
