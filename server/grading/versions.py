"""Exercise versions on a machine that shares no files with the web: the web stores each version's
snapshot (references included) in the database, and a worker rebuilds it in its own instance
folder under cache/exercises/<hash of the files>, written to a temporary folder and renamed.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from pathlib import Path, PurePosixPath

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

import graders
from graders.errors import GradingError
from server.db import Database
from server.models import ExerciseFile, ExerciseVersion

CACHE = Path("cache") / "exercises"
SKIP = {"__pycache__"}


def store_files(db: Session, version: ExerciseVersion, folder: Path) -> int:
    """Add a row per file of the snapshot `folder` for `version` (caller commits)."""
    n = 0
    for path in sorted(Path(folder).rglob("*")):
        rel = path.relative_to(folder)
        if path.is_symlink() or not path.is_file() or SKIP & set(rel.parts) or path.suffix == ".pyc":
            continue
        data = path.read_bytes()
        db.add(ExerciseFile(version_id=version.id, path=rel.as_posix(), data=data,
                            sha256=hashlib.sha256(data).hexdigest()))
        n += 1
    db.flush()
    return n


def store_missing(db: Session, instance: Path, exercise_ids) -> int:
    """Store the files of these exercises' versions that have a snapshot here but none in the
    database (versions made before migration 0005). Returns how many versions were stored."""
    n = 0
    for version in db.scalars(select(ExerciseVersion)
                              .where(ExerciseVersion.exercise_id.in_(list(exercise_ids)))):
        if (Path(instance) / version.path).is_dir() and not has_files(db, version.id):
            store_files(db, version, Path(instance) / version.path)
            n += 1
    return n


def has_files(db: Session, version_id: int) -> bool:
    return bool(db.scalar(select(exists().where(ExerciseFile.version_id == version_id))))


def load(database: Database, instance: Path, version: ExerciseVersion) -> graders.Exercise:
    """The engine's Exercise of a version: its snapshot in this instance folder when there is one
    (web and worker on one machine), else rebuilt from the database in the cache."""
    local = Path(instance) / version.path
    if local.is_dir():
        return graders.Exercise.load(local)
    with database.sessions() as s:
        folder = materialize(s, Path(instance), version)
    return graders.Exercise.load(folder)


def materialize(db: Session, instance: Path, version: ExerciseVersion) -> Path:
    """The version's files in instance/cache/exercises/<hash>, written there first if missing.
    GradingError when the database holds no files for it (a version stored before 0005)."""
    listing = db.execute(select(ExerciseFile.path, ExerciseFile.sha256)
                         .where(ExerciseFile.version_id == version.id)
                         .order_by(ExerciseFile.path)).all()
    if not listing:
        raise GradingError(
            f"exercise version {version.id} ({version.path}) is not in this worker's instance "
            f"folder {instance} and its files are not in the database. Run `tracegrade exercises "
            f"sync` on the web machine (it stores them), or give this worker the web's instance folder.")
    key = hashlib.sha256("\n".join(f"{p}\0{h}" for p, h in listing).encode()).hexdigest()[:32]
    dest = instance / CACHE / key
    if dest.is_dir():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".{key}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        rows = db.execute(select(ExerciseFile.path, ExerciseFile.sha256, ExerciseFile.data)
                          .where(ExerciseFile.version_id == version.id))
        for rel, sha, data in rows:
            target = tmp / _safe(rel)
            if hashlib.sha256(data).hexdigest() != sha:
                raise GradingError(f"exercise version {version.id}: file {rel} in the database "
                                   f"does not match its hash; publish or sync the exercise again")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        try:
            tmp.rename(dest)
        except OSError:                   # another process of this machine wrote it first
            if not dest.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _safe(rel: str) -> Path:
    p = PurePosixPath(rel)
    if p.is_absolute() or ".." in p.parts or not p.parts:
        raise GradingError(f"refusing a stored exercise file outside its folder: {rel!r}")
    return Path(*p.parts)
