"""Deadlines and late work, decided by the server's clock on naive UTC times: a student's due date
(an extension replaces it and moves the late window with it), lateness, penalty, and refusal.

Rules: a submission made exactly at `due` is on time; one made after it is late and loses
`late_penalty` of its score; one made exactly at `late_until` is still taken (late); after it,
nothing is stored. No `late_until` means late work is taken whenever it comes. Instructors may
always submit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Enrollment, Exercise, Extension, User


@dataclass(frozen=True)
class Deadline:
    due: datetime | None
    late_until: datetime | None
    penalty: float
    extended: bool = False

    def is_late(self, at: datetime) -> bool:
        return self.due is not None and at > self.due

    def is_closed(self, at: datetime) -> bool:
        return self.late_until is not None and at > self.late_until

    def factor(self, at: datetime) -> float:
        """What a submission made at `at` keeps of its score."""
        return 1.0 - self.penalty if self.is_late(at) else 1.0


def deadline(ex: Exercise, extended_due: datetime | None = None) -> Deadline:
    """The exercise's deadline, or a student's with their extended due date."""
    if extended_due is None:
        return Deadline(ex.due_at, ex.late_until, ex.late_penalty or 0.0)
    late_until = None
    if ex.late_until is not None and ex.due_at is not None:
        late_until = extended_due + (ex.late_until - ex.due_at)
    return Deadline(extended_due, late_until, ex.late_penalty or 0.0, extended=True)


def extension_due(db: Session, user_id: int, exercise_id: int) -> datetime | None:
    return db.scalar(select(Extension.due_at).where(Extension.user_id == user_id,
                                                    Extension.exercise_id == exercise_id))


def deadline_for(db: Session, user_id: int, ex: Exercise) -> Deadline:
    return deadline(ex, extension_due(db, user_id, ex.id))


def extensions(db: Session, exercise_ids) -> dict[tuple[int, int], datetime]:
    """(user id, exercise id) -> extended due date, for these exercises."""
    ids = list(exercise_ids)
    if not ids:
        return {}
    rows = db.execute(select(Extension.user_id, Extension.exercise_id, Extension.due_at)
                      .where(Extension.exercise_id.in_(ids)))
    return {(u, e): d for u, e, d in rows}


def closed_message(db: Session, user: User, ex: Exercise, now: datetime,
                   d: Deadline | None = None, role: str | None = None) -> str | None:
    """Why a submission made now must be refused (late work closed), or None to accept it.
    d, role: the user's deadline for ex and role in its course, when the caller has read them."""
    if d is None:
        d = deadline_for(db, user.id, ex)
    if not d.is_closed(now):
        return None
    if role is None:
        role = db.scalar(select(Enrollment.role).where(Enrollment.user_id == user.id,
                                                       Enrollment.course_id == ex.course_id))
    if role == "instructor":
        return None
    return (f"Submissions to '{ex.title}' closed at {iso(d.late_until)} UTC, so this one was "
            f"not stored. Ask your instructor if you need an extension.")


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="minutes") if value else None


def to_utc(value: datetime, timezone: str = "UTC") -> datetime:
    """Naive UTC from an aware time, or from a naive one read in the course's time zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return value.astimezone(UTC).replace(tzinfo=None)


def parse_due(text, timezone: str = "UTC") -> datetime:
    """An ISO 8601 time (with an offset, or else in the course's time zone) as naive UTC.
    Raises ValueError with a message that says what to send."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("Give the new due date as an ISO 8601 time, such as 2026-12-15T23:59+01:00.")
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"'{text[:40]}' is not an ISO 8601 time; use a form such as "
                         f"2026-12-15T23:59+01:00.") from None
    return to_utc(value, timezone)


def local(value: datetime | None, timezone: str) -> datetime | None:
    """A stored (naive UTC) time in the course's time zone, for display."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone))


def results_released(db: Session, user_id: int, ex: Exercise, now: datetime) -> bool:
    """Whether tests shown "after the due date" are shown to this student: once no more work is
    taken (after late_until, or after due when there is no late window). Never without a due date."""
    d = deadline_for(db, user_id, ex)
    end = d.late_until or d.due
    return end is not None and now > end
