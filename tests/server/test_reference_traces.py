"""The server grades against reference traces it recorded itself, in the sandbox, when it created
the exercise version; the committed traces stay beside them for the record."""
from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import select

from graders import ExerciseError
from server.catalog import load_version, sync_course
from server.models import ExerciseVersion
from server.grading.references import COMMITTED
from tests.conftest import EXERCISES
from tests.server.conftest import EXERCISE

pytestmark = pytest.mark.filterwarnings("ignore")


def course_with(folder, exercise_dir, slug="refs"):
    folder.mkdir(parents=True)
    (folder / "course.toml").write_text(f'slug = "{slug}"\ntitle = "References"\n'
                                        f'exercises = ["{exercise_dir.name}"]\n', encoding="utf-8")
    shutil.copytree(exercise_dir, folder / exercise_dir.name,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def newest_version(dbs) -> ExerciseVersion:
    return dbs.scalars(select(ExerciseVersion).order_by(ExerciseVersion.id.desc())).first()


def test_a_new_version_grades_against_traces_recorded_here(tmp_path, dbs, instance, grader):
    folder = course_with(tmp_path / "c", EXERCISES / EXERCISE)
    committed = folder / EXERCISE / "traces"
    for f in committed.glob("seed-*/trace.json"):            # committed traces from "elsewhere"
        doc = json.loads(f.read_text())
        doc["meta"]["cpu_capability"] = "ELSEWHERE"
        f.write_text(json.dumps(doc))
    report = sync_course(dbs, folder, instance)
    dbs.commit()
    assert report.new_versions == [EXERCISE]
    ex = load_version(instance, newest_version(dbs))
    kept = sorted(p.name for p in (ex.path / COMMITTED).iterdir())
    assert kept == sorted(p.name for p in committed.iterdir())
    for seed in ex.seeds:
        meta = json.loads((ex.trace_dir(seed) / "trace.json").read_text())["meta"]
        assert meta["cpu_capability"] != "ELSEWHERE" and meta["seed"] == seed
    result = grader.grade(ex, ex.solution.read_bytes(), seeds="all")
    assert result.score == result.max_score, [(t.name, t.message) for t in result.tests]


def test_an_exercise_without_committed_traces_still_gets_references(tmp_path, dbs, instance):
    folder = course_with(tmp_path / "c", EXERCISES / EXERCISE, slug="bare")
    shutil.rmtree(folder / EXERCISE / "traces")
    sync_course(dbs, folder, instance)
    dbs.commit()
    ex = load_version(instance, newest_version(dbs))
    assert all((ex.trace_dir(s) / "trace.safetensors").is_file() for s in ex.seeds)
    assert not (ex.path / COMMITTED).exists()


def test_a_solution_that_fails_here_is_refused_with_its_name(tmp_path, dbs, instance):
    folder = course_with(tmp_path / "c", EXERCISES / EXERCISE, slug="broken")
    (folder / EXERCISE / "solution.py").write_text("def train_step(*a):\n    raise ValueError('no')\n")
    with pytest.raises(ExerciseError) as e:
        sync_course(dbs, folder, instance)
    assert str(folder / EXERCISE) in str(e.value) and "could not be recorded" in str(e.value)
    snapshots = instance / "exercises" / "broken"
    assert not any(p.name.endswith(".tmp") for p in snapshots.rglob("*"))
