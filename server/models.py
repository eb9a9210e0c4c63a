"""The SQL schema as SQLAlchemy 2.0 typed models: users, courses, enrollments, exercises and their
content-addressed versions, submissions, per-test results, API tokens, rate-limit events, and the
course operations (extensions, regrades, past results kept as history).

The schema changes only through Alembic migrations in migrations/ (a test checks they agree).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, LargeBinary,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from server.db import utcnow

ROLES = ("student", "instructor")
STATUSES = ("queued", "running", "graded", "error")
POLICIES = ("best", "last")
LIVE, REGRADE = 0, 1          # queue priorities: lower goes first


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    # bumped on logout, password change and reset: sessions signed with an older one are refused
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    enrollments: Mapped[list["Enrollment"]] = relationship(back_populates="user")


class Course(Base):
    __tablename__ = "courses"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    join_code: Mapped[str] = mapped_column(String(64), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    policy: Mapped[str] = mapped_column(String(8), default="best", server_default="best")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    exercises: Mapped[list["Exercise"]] = relationship(
        back_populates="course", order_by="Exercise.position")


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user: Mapped[User] = relationship(back_populates="enrollments")
    course: Mapped[Course] = relationship()


class Exercise(Base):
    __tablename__ = "exercises"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    points: Mapped[float] = mapped_column(Float)
    position: Mapped[int | None] = mapped_column(Integer)     # None: no longer in the course
    due_at: Mapped[datetime | None] = mapped_column(DateTime)  # UTC, from course.toml
    late_until: Mapped[datetime | None] = mapped_column(DateTime)
    late_penalty: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("exercise_versions.id", use_alter=True, name="fk_exercises_current_version"))
    course: Mapped[Course] = relationship(back_populates="exercises")
    current_version: Mapped["ExerciseVersion | None"] = relationship(foreign_keys=[current_version_id])


class ExerciseVersion(Base):
    """One content of an exercise folder, keyed by its hash and kept as a snapshot on disk."""
    __tablename__ = "exercise_versions"
    __table_args__ = (UniqueConstraint("exercise_id", "content_hash"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(500))             # relative to the instance folder
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ExerciseFile(Base):
    """One file of a version's snapshot (references included), so a worker machine that shares
    no files with the web can rebuild the snapshot (server/grading/versions.py)."""
    __tablename__ = "exercise_files"
    __table_args__ = (UniqueConstraint("version_id", "path"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("exercise_versions.id", ondelete="CASCADE"),
                                            index=True)
    path: Mapped[str] = mapped_column(String(500))             # relative to the snapshot, '/'
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_status_id", "status", "id"),
        Index("ix_submissions_user_exercise", "user_id", "exercise_id"),
        Index("ix_submissions_status_priority_id", "status", "priority", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("exercise_versions.id"))
    code: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    verdict: Mapped[str | None] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text, default="")
    stdout: Mapped[str] = mapped_column(Text, default="")
    stderr: Mapped[str] = mapped_column(Text, default="")
    curves: Mapped[dict | None] = mapped_column(JSON)           # loss curves, student vs reference
    sandboxed: Mapped[bool | None] = mapped_column(Boolean)
    execution_time: Mapped[float | None] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    priority: Mapped[int] = mapped_column(Integer, default=LIVE, server_default="0")
    # a regrade that may not lower this submission's score keeps the score it had here
    score_floor: Mapped[float | None] = mapped_column(Float)
    regrade_id: Mapped[int | None] = mapped_column(
        ForeignKey("regrades.id", ondelete="SET NULL", name="fk_submissions_regrade_id"))
    worker: Mapped[str | None] = mapped_column(String(200))
    claim_token: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    # when a broker message was last sent for this row (server/grading/dispatch.py, sweep.py)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    graded_at: Mapped[datetime | None] = mapped_column(DateTime)
    user: Mapped[User] = relationship()
    exercise: Mapped[Exercise] = relationship()
    version: Mapped[ExerciseVersion] = relationship()
    tests: Mapped[list["TestResult"]] = relationship(
        back_populates="submission", order_by="TestResult.position", cascade="all, delete-orphan")

    @property
    def done(self) -> bool:
        return self.status in ("graded", "error")


class TestResult(Base):
    __tablename__ = "test_results"
    __test__ = False   # not a pytest class
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(500))
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text, default="")
    diagnosis: Mapped[str | None] = mapped_column(String(100))
    visibility: Mapped[str] = mapped_column(String(32), default="visible")
    submission: Mapped[Submission] = relationship(back_populates="tests")


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    user: Mapped[User] = relationship()


class RateEvent(Base):
    __tablename__ = "rate_events"
    __table_args__ = (Index("ix_rate_events_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Extension(Base):
    """A student's own due date for one exercise (UTC); the late window keeps its length."""
    __tablename__ = "extensions"
    __table_args__ = (UniqueConstraint("user_id", "exercise_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime] = mapped_column(DateTime)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    exercise: Mapped[Exercise] = relationship()


class Regrade(Base):
    """One regrade an instructor asked for: its scope, its policy and how many it queued."""
    __tablename__ = "regrades"
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    exercise_id: Mapped[int | None] = mapped_column(ForeignKey("exercises.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(16))           # counted | all | one
    keep_higher: Mapped[bool] = mapped_column(Boolean, default=True)
    queued: Mapped[int] = mapped_column(Integer, default=0)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    exercise: Mapped[Exercise | None] = relationship()


class PastResult(Base):
    """A result a submission had before a regrade replaced it (its tests as JSON)."""
    __tablename__ = "past_results"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    regrade_id: Mapped[int | None] = mapped_column(ForeignKey("regrades.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("exercise_versions.id"))
    verdict: Mapped[str | None] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text, default="")
    tests: Mapped[list | None] = mapped_column(JSON)
    graded_at: Mapped[datetime | None] = mapped_column(DateTime)
    replaced_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class WorkerBeat(Base):
    """A grading worker's last sign of life (one row per worker name), written by the worker
    and read by /healthz and /metrics; `starts` counts how often a worker of that name began."""
    __tablename__ = "worker_beats"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    host: Mapped[str] = mapped_column(String(200), default="")
    pid: Mapped[int] = mapped_column(Integer, default=0)
    starts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
