"""What instructors do with published exercises: list an exercise's versions (created, content
hash, files changed from the previous one, the check's figures), roll back to one, hide or unhide
an exercise, reorder the course, and get the instructor's full folder back as a zip.
"""
from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from graders.errors import ExerciseError
from server.catalog import load_version
from server.models import Course, Exercise, ExerciseVersion, Submission
from server.publish.report import PublishReport
from server.publish.service import load_report
from server.grading.references import COMMITTED

SERVER_ONLY = ("traces", "__pycache__")       # recorded here; not part of what was uploaded


class ManageError(Exception):
    """A request that cannot be done; the message says why and what to send instead."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class VersionInfo:
    version: ExerciseVersion
    current: bool
    submissions: int
    added: list[str]
    removed: list[str]
    changed: list[str]
    report: PublishReport | None

    def as_json(self) -> dict:
        r = self.report
        return {"version": self.version.content_hash[:16], "content_hash": self.version.content_hash,
                "created_at": self.version.created_at.isoformat() + "Z", "current": self.current,
                "submissions": self.submissions,
                "files": {"added": self.added, "removed": self.removed, "changed": self.changed},
                "check": None if r is None else {
                    k: getattr(r, k) for k in ("solution_score", "starter_score", "max_score",
                                               "seed_scores", "drift", "committed_drift")}}


def versions(db: Session, instance: Path, ex: Exercise) -> list[VersionInfo]:
    """Every version of ex, oldest first, each with its changes from the one before."""
    rows = db.scalars(select(ExerciseVersion).where(ExerciseVersion.exercise_id == ex.id)
                      .order_by(ExerciseVersion.id)).all()
    counts = dict(db.execute(select(Submission.version_id, func.count())
                             .where(Submission.exercise_id == ex.id)
                             .group_by(Submission.version_id)).all())
    out, before = [], {}
    for v in rows:
        files = uploaded_files(Path(instance) / v.path)
        digests = {name: hashlib.sha256(p.read_bytes()).hexdigest() for name, p in files.items()}
        out.append(VersionInfo(
            v, v.id == ex.current_version_id, counts.get(v.id, 0),
            added=sorted(set(digests) - set(before)), removed=sorted(set(before) - set(digests)),
            changed=sorted(n for n in digests if n in before and before[n] != digests[n]),
            report=load_report(instance, v)))
        before = digests
    return out


def uploaded_files(folder: Path) -> dict[str, Path]:
    """The files of a version as the instructor made them: the snapshot without the traces
    recorded here, with the committed ones back under traces/."""
    out = {}
    if not folder.is_dir():
        return out
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if not p.is_file() or rel.parts[0] in SERVER_ONLY or "__pycache__" in rel.parts:
            continue
        if rel.parts[0] == COMMITTED:
            rel = Path("traces", *rel.parts[1:])
        out[rel.as_posix()] = p
    return out


def find_version(db: Session, ex: Exercise, prefix: str) -> ExerciseVersion:
    if not isinstance(prefix, str) or not (8 <= len(prefix) <= 64) or \
            any(c not in "0123456789abcdef" for c in prefix):
        raise ManageError("'version' must be a version's content hash or its first 8 to 64 "
                          "hex digits, as the versions list shows.")
    rows = db.scalars(select(ExerciseVersion).where(
        ExerciseVersion.exercise_id == ex.id, ExerciseVersion.content_hash.startswith(prefix))).all()
    if not rows:
        raise ManageError(f"{ex.slug} has no version {prefix}. List them with GET "
                          f".../exercises/{ex.slug}/versions.", 404)
    if len(rows) > 1:
        raise ManageError(f"{prefix} names more than one version of {ex.slug}; send more digits.")
    return rows[0]


def rollback(db: Session, instance: Path, ex: Exercise, version: ExerciseVersion) -> None:
    """Make version the current one again; submissions keep the version they were made to."""
    try:
        engine = load_version(instance, version)
    except ExerciseError:
        raise ManageError(f"version {version.content_hash[:16]} of {ex.slug} is missing from this "
                          f"server's folder; push that content again instead.", 409) from None
    ex.current_version_id = version.id
    ex.title, ex.points = engine.title, engine.points


def set_hidden(db: Session, course: Course, ex: Exercise, hidden: bool) -> None:
    """Hide (students no longer see or submit it; nothing is deleted) or unhide (it joins the
    end of the teaching order)."""
    if hidden:
        ex.position = None
    elif ex.position is None:
        last = db.scalar(select(func.max(Exercise.position)).where(Exercise.course_id == course.id))
        ex.position = 0 if last is None else last + 1


def reorder(db: Session, course: Course, slugs) -> list[str]:
    """Set the teaching order of the course's listed exercises: slugs must name each exactly once."""
    listed = {e.slug: e for e in db.scalars(select(Exercise).where(
        Exercise.course_id == course.id, Exercise.position.is_not(None)))}
    if not isinstance(slugs, list) or not all(isinstance(s, str) for s in slugs):
        raise ManageError("Send {\"exercises\": [slug, ...]}: every listed exercise once, in order.")
    if sorted(slugs) != sorted(listed):
        missing, unknown = sorted(set(listed) - set(slugs)), sorted(set(slugs) - set(listed))
        raise ManageError("The order must name every listed exercise exactly once"
                          + (f"; missing: {', '.join(missing)}" if missing else "")
                          + (f"; not listed in {course.slug}: {', '.join(s[:64] for s in unknown)}"
                             if unknown else "")
                          + ("; repeated" if len(set(slugs)) != len(slugs) else "") + ".")
    for position, slug in enumerate(slugs):
        listed[slug].position = position
    return slugs


def source_zip(instance: Path, ex: Exercise) -> bytes:
    """The current version's full folder as the instructor uploaded it (hidden graders, hidden
    seeds' traces and the solution included), under a top-level folder named for the slug."""
    folder = Path(instance) / ex.current_version.path
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, path in uploaded_files(folder).items():
            z.write(path, f"{ex.slug}/{name}")
    return buf.getvalue()
