"""Exercise versions for worker machines that share no files with the web: sync stores every file
of a version's snapshot in the database, a worker without the snapshot rebuilds it in its cache
(once, by content hash), and a version whose files are missing or damaged is refused clearly."""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import delete, select, update

from graders.errors import GradingError
from server.catalog import sync_course
from server.grading import versions
from server.models import ExerciseFile, ExerciseVersion
from tests.server.conftest import write_course


def snapshot_files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def test_sync_stores_every_file_of_the_snapshot(app, instance, dbs):
    version = dbs.scalar(select(ExerciseVersion))
    stored = {f.path: f.data for f in dbs.scalars(select(ExerciseFile)
                                                  .where(ExerciseFile.version_id == version.id))}
    assert stored == snapshot_files(instance / version.path)
    assert "solution.py" in stored and any(p.startswith("traces/seed-") for p in stored)


def test_a_worker_without_the_snapshot_rebuilds_it_once(app, instance, dbs, tmp_path):
    version = dbs.scalar(select(ExerciseVersion))
    machine = tmp_path / "machine" / "instance"
    machine.mkdir(parents=True)
    exercise = versions.load(app.extensions["tracegrade.db"], machine, version)
    folder = exercise.path
    assert folder.parent == machine / versions.CACHE
    assert snapshot_files(folder) == snapshot_files(instance / version.path)
    assert exercise.slug == "one-training-step" and exercise.solution.is_file()
    (folder / "marker").write_text("kept")       # a second load reuses the folder
    assert versions.materialize(dbs, machine, version) == folder and (folder / "marker").exists()
    assert [p.name for p in folder.parent.iterdir()] == [folder.name], "a temporary folder was left"


def test_missing_files_are_refused_clearly_and_sync_stores_them_again(app, instance, dbs, tmp_path):
    version = dbs.scalar(select(ExerciseVersion))
    # versions made before migration 0005: the current one and an older one, on disk only
    old_path = version.path + "-older"
    shutil.copytree(instance / version.path, instance / old_path)
    older = ExerciseVersion(exercise_id=version.exercise_id, content_hash="0" * 64, path=old_path)
    dbs.add(older)
    dbs.execute(delete(ExerciseFile))
    dbs.commit()
    with pytest.raises(GradingError, match="tracegrade exercises sync"):
        versions.materialize(dbs, tmp_path / "machine", version)
    sync_course(dbs, write_course(tmp_path / "course"), instance)
    dbs.commit()
    for v in (version, older):
        assert versions.materialize(dbs, tmp_path / "machine", v).is_dir()


def test_a_damaged_file_is_refused_and_nothing_is_cached(app, dbs, tmp_path):
    version = dbs.scalar(select(ExerciseVersion))
    dbs.execute(update(ExerciseFile).where(ExerciseFile.path == "solution.py")
                .values(data=b"print('not the solution')\n"))
    dbs.commit()
    machine = tmp_path / "machine"
    with pytest.raises(GradingError, match="solution.py .*does not match its hash"):
        versions.materialize(dbs, machine, version)
    assert list((machine / versions.CACHE).iterdir()) == []
    shutil.rmtree(machine)
