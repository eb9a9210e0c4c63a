"""Publishing an uploaded exercise archive in a course: unpack (server.publish.intake), validate
(graders.Exercise.load), check (server.publish.check), and only on success make a new version
through the code path `tracegrade exercises sync` uses (server.catalog), keyed by content hash.
"""
from __future__ import annotations

import json
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from graders import Exercise as EngineExercise, Grader
from graders.errors import ExerciseError
from graders.pool import PoolError
from server.catalog import SNAPSHOTS, sync_exercise
from server.models import Course, Exercise, ExerciseVersion
from server.publish.check import check_candidate
from server.publish.intake import ArchiveError, ArchiveLimits, unpack
from server.publish.report import PublishReport
from server.grading.references import COMMITTED, ReferenceRecorder

STAGING = ".staging"
REPORT_SUFFIX = ".report.json"


@dataclass
class Outcome:
    report: PublishReport
    version: ExerciseVersion | None = None     # the version now current (None: refused, dry run)

    @property
    def published(self) -> bool:
        return self.report.status == "published"


def publish_archive(db: Session, course: Course, data: bytes, instance: Path,
                    dry_run: bool = False, limits: ArchiveLimits = ArchiveLimits(),
                    mutants: bool = False) -> Outcome:
    """Check the archive and, unless dry_run or refused, publish it (caller commits; on a
    refusal nothing was added to db). The report says what happened and why. mutants: also
    grade the solution's mutants (opt-in: tens of gradings, 10 to 50 s more per upload)."""
    t0 = time.monotonic()
    report = PublishReport()
    staging = Path(instance) / SNAPSHOTS / STAGING / secrets.token_hex(8)
    try:
        outcome = _publish(db, course, data, Path(instance), staging, dry_run, limits, report, mutants)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.seconds = round(time.monotonic() - t0, 2)
    return outcome


def _publish(db, course, data, instance, staging, dry_run, limits, report, mutants=False) -> Outcome:
    try:
        upload = unpack(data, staging / "upload", limits)
        ex = EngineExercise.load(upload)
    except ArchiveError as e:
        report.problems.append(f"archive refused: {e}")
        return Outcome(report)
    except ExerciseError as e:
        report.problems.append(str(e).replace(str(upload.resolve()), "the archive"))
        return Outcome(report)
    report.slug, report.title, report.content_hash = ex.slug, ex.title, ex.content_hash()
    report.files = sorted(str(p.relative_to(upload)) for p in upload.rglob("*") if p.is_file())
    row = db.scalar(select(Exercise).where(Exercise.course_id == course.id, Exercise.slug == ex.slug))
    known = row and db.scalar(select(ExerciseVersion).where(
        ExerciseVersion.exercise_id == row.id, ExerciseVersion.content_hash == report.content_hash))
    if known:
        stored = load_report(instance, known)
        if stored is not None:
            for k in ("solution_score", "starter_score", "max_score", "seed_scores", "drift",
                      "drift_of_tolerance", "committed_drift", "corpus", "mutants", "mutant_survivors"):
                setattr(report, k, getattr(stored, k))
        report.status = "unchanged"
        if not dry_run and row.current_version_id != known.id:
            sync_exercise(db, course, ex, row.position, instance, ReferenceRecorder())
        return Outcome(report, known)
    candidate = staging / "candidate" / ex.slug
    try:
        with ReferenceRecorder() as recorder, Grader(one_shot=True) as grader:
            check_candidate(upload, candidate, report, recorder, grader, mutants=mutants)
    except PoolError as e:
        report.problems.append(f"this server cannot run the check in its sandbox: {e}")
    if report.problems:
        return Outcome(report)
    if dry_run:
        report.status = "checked"
        return Outcome(report)
    position = row.position if row is not None else _next_position(db, course)
    sync_exercise(db, course, ex, position, instance, _Recorded(candidate))
    version = db.scalar(select(ExerciseVersion).where(
        ExerciseVersion.exercise_id == db.scalar(select(Exercise.id).where(
            Exercise.course_id == course.id, Exercise.slug == ex.slug)),
        ExerciseVersion.content_hash == report.content_hash))
    report.status = "published"
    save_report(instance, version, report)
    return Outcome(report, version)


def _next_position(db: Session, course: Course) -> int:
    last = db.scalar(select(func.max(Exercise.position)).where(Exercise.course_id == course.id))
    return 0 if last is None else last + 1


class _Recorded:
    """Stands in for a ReferenceRecorder in catalog's snapshot: the references the check
    recorded in the candidate are copied, not recorded a second time."""

    def __init__(self, candidate: Path):
        self.candidate = candidate

    def record(self, folder: Path, source: Path) -> None:
        for name in ("traces", COMMITTED):
            shutil.rmtree(folder / name, ignore_errors=True)
            if (self.candidate / name).is_dir():
                shutil.copytree(self.candidate / name, folder / name)


def report_path(instance: Path, version: ExerciseVersion) -> Path:
    return Path(instance) / (version.path + REPORT_SUFFIX)


def save_report(instance: Path, version: ExerciseVersion, report: PublishReport) -> None:
    report_path(instance, version).write_text(json.dumps(report.as_json(), indent=1),
                                              encoding="utf-8")


def load_report(instance: Path, version: ExerciseVersion) -> PublishReport | None:
    """The check's report saved when the version was published (None: synced, not pushed)."""
    path = report_path(instance, version)
    try:
        return PublishReport.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
