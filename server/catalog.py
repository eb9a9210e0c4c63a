"""Loads a course folder (course.toml + exercise folders) into the database. Each distinct content
of an exercise becomes a version, keyed by its content hash and snapshotted under the instance
folder, so a submission is always graded by (and remembers) the version it was submitted to; the
snapshot's reference traces are recorded on this machine (server.grading.references), and its
files are stored in the database too, for workers on other machines (server.grading.versions).
"""
from __future__ import annotations

import shutil
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from graders import Exercise as EngineExercise
from graders.format.course import Course as EngineCourse
from server.models import Course, Exercise, ExerciseVersion
from server.grading.references import ReferenceRecorder
from server.grading.versions import has_files, store_files, store_missing
from server.security import new_join_code

SNAPSHOTS = "exercises"


@dataclass
class SyncReport:
    course: str
    created_course: bool = False
    new_versions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"course {self.course}" + (" (created)" if self.created_course else "")]
        out += [f"  {s}: new version" for s in self.new_versions]
        out += [f"  {s}: unchanged" for s in self.unchanged]
        out += [f"  {s}: no longer in course.toml (hidden)" for s in self.retired]
        return out


def sync_course(db: Session, folder: Path, instance: Path) -> SyncReport:
    """Create or update the course in `folder` (caller commits). Raises graders.ExerciseError
    naming the file and key when the folder is invalid."""
    src = EngineCourse.load(folder)
    course = db.scalar(select(Course).where(Course.slug == src.slug))
    report = SyncReport(src.slug)
    if course is None:
        course = Course(slug=src.slug, title=src.title, description=src.description,
                        join_code=new_join_code())
        db.add(course)
        db.flush()
        report.created_course = True
    course.title, course.description = src.title, src.description
    listed = set()
    with ReferenceRecorder() as references:
        for position, ex in enumerate(src.exercises):
            listed.add(ex.slug)
            if sync_exercise(db, course, ex, position, instance, references):
                report.new_versions.append(ex.slug)
            else:
                report.unchanged.append(ex.slug)
    for row in db.scalars(select(Exercise).where(Exercise.course_id == course.id)):
        if row.slug not in listed and row.position is not None:
            row.position = None
            report.retired.append(row.slug)
    sync_schedule(db, course, src)
    store_missing(db, instance, db.scalars(select(Exercise.id).where(Exercise.course_id == course.id)))
    db.flush()
    return report


def sync_schedule(db: Session, course: Course, src: EngineCourse) -> None:
    """The course's time zone, counting policy and each exercise's schedule (stored naive UTC)."""
    course.timezone, course.policy = src.timezone, src.policy
    for row in db.scalars(select(Exercise).where(Exercise.course_id == course.id)):
        s = src.schedule.get(row.slug)
        row.due_at = s.due.replace(tzinfo=None) if s and s.due else None
        row.late_until = s.late_until.replace(tzinfo=None) if s and s.late_until else None
        row.late_penalty = s.late_penalty if s else 0.0


def sync_exercise(db: Session, course: Course, ex: EngineExercise, position: int,
                   instance: Path, references: ReferenceRecorder) -> bool:
    row = db.scalar(select(Exercise).where(Exercise.course_id == course.id, Exercise.slug == ex.slug))
    if row is None:
        row = Exercise(course_id=course.id, slug=ex.slug, title=ex.title, points=ex.points)
        db.add(row)
        db.flush()
    row.title, row.points, row.position = ex.title, ex.points, position
    digest = ex.content_hash()
    version = db.scalar(select(ExerciseVersion).where(ExerciseVersion.exercise_id == row.id,
                                                      ExerciseVersion.content_hash == digest))
    created = version is None
    if created:
        rel = Path(SNAPSHOTS) / course.slug / ex.slug / digest[:16]
        snapshot(ex.path, instance / rel, lambda tmp: references.record(tmp, ex.path))
        version = ExerciseVersion(exercise_id=row.id, content_hash=digest, path=str(rel))
        db.add(version)
        db.flush()
        store_files(db, version, instance / rel)
    elif not has_files(db, version.id) and (instance / version.path).is_dir():
        store_files(db, version, instance / version.path)     # a version made before 0005
    row.current_version_id = version.id
    return created


def snapshot(src: Path, dest: Path, prepare=None) -> None:
    """Copy an exercise folder (without caches) to dest, atomically; an existing dest is kept.
    prepare(folder), when given, finishes the copy before it becomes dest (references)."""
    if dest.is_dir():
        return
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if prepare is not None:
        try:
            prepare(tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    tmp.rename(dest)


def load_version(instance: Path, version: ExerciseVersion) -> EngineExercise:
    """The engine's Exercise for a stored version (its snapshot folder; versions never change)."""
    return _load(str(Path(instance) / version.path))


@lru_cache(maxsize=256)
def _load(path: str) -> EngineExercise:
    return EngineExercise.load(path)
