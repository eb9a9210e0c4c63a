"""Signs of life of the grading side: a worker records its start and beats every few seconds in
`worker_beats`; `read_status` gathers queue depth, oldest queued age and the freshest beat.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.db import utcnow
from server.models import Submission, WorkerBeat

BEAT_SECONDS = 5.0           # how often a worker writes its heartbeat
STALE_SECONDS = 60.0         # a worker silent for longer is taken for dead
STALL_SECONDS = 300.0        # queued work older than this, with nothing graded meanwhile: stalled


def record_start(db: Session, name: str) -> int:
    """Mark the worker `name` as (re)started; returns how many times it has started."""
    now, host, pid = utcnow(), socket.gethostname()[:200], os.getpid()
    values = dict(host=host, pid=pid, started_at=now, beat_at=now, starts=WorkerBeat.starts + 1)
    if db.execute(update(WorkerBeat).where(WorkerBeat.name == name).values(**values)).rowcount == 0:
        db.add(WorkerBeat(name=name, host=host, pid=pid, starts=1, started_at=now, beat_at=now))
        try:
            db.commit()
        except IntegrityError:           # another process of that name inserted first
            db.rollback()
            db.execute(update(WorkerBeat).where(WorkerBeat.name == name).values(**values))
    db.commit()
    return db.scalar(select(WorkerBeat.starts).where(WorkerBeat.name == name)) or 1


def beat(db: Session, name: str) -> None:
    db.execute(update(WorkerBeat).where(WorkerBeat.name == name)
               .values(beat_at=utcnow(), pid=os.getpid()))
    db.commit()


def last_beat_age(db: Session, name: str) -> float | None:
    """Seconds since the worker `name` beat, or None when it never started."""
    at = db.scalar(select(WorkerBeat.beat_at).where(WorkerBeat.name == name))
    return _age(utcnow(), at)


@dataclass
class GradingStatus:
    queued: int
    running: int
    oldest_queued_age: float | None       # seconds
    last_graded_age: float | None
    last_beat_age: float | None
    restarts: int                         # worker starts beyond each worker's first
    workers: list[dict] = field(default_factory=list)

    def problem(self, stall_seconds: float = STALL_SECONDS) -> str | None:
        """Why grading is stalled, in one sentence, or None when it is not."""
        if not self.queued or self.oldest_queued_age is None or self.oldest_queued_age <= stall_seconds:
            return None
        if self.last_beat_age is None or self.last_beat_age > STALE_SECONDS:
            heard = ("no grading worker has ever started" if self.last_beat_age is None else
                     f"no grading worker was heard from for {self.last_beat_age:.0f} s")
            return (f"grading has stalled: {self.queued} submission(s) queued, the oldest for "
                    f"{self.oldest_queued_age:.0f} s, and {heard}")
        if self.last_graded_age is None or self.last_graded_age > stall_seconds:
            return (f"grading has stalled: {self.queued} submission(s) queued, the oldest for "
                    f"{self.oldest_queued_age:.0f} s, and nothing was graded meanwhile")
        return None


def _age(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else max(0.0, (now - then).total_seconds())


def read_status(db: Session) -> GradingStatus:
    now = utcnow()
    counts = dict(db.execute(select(Submission.status, func.count())
                             .where(Submission.status.in_(("queued", "running")))
                             .group_by(Submission.status)).all())
    oldest = db.scalar(select(func.min(Submission.created_at)).where(Submission.status == "queued"))
    graded = db.scalar(select(func.max(Submission.graded_at)))
    beats = db.scalars(select(WorkerBeat).order_by(WorkerBeat.beat_at.desc())).all()
    workers = [{"name": b.name, "host": b.host, "pid": b.pid, "starts": b.starts,
                "last_beat_age_s": round(_age(now, b.beat_at), 1)} for b in beats]
    return GradingStatus(queued=counts.get("queued", 0), running=counts.get("running", 0),
                         oldest_queued_age=_age(now, oldest), last_graded_age=_age(now, graded),
                         last_beat_age=_age(now, beats[0].beat_at) if beats else None,
                         restarts=sum(max(0, b.starts - 1) for b in beats), workers=workers)
