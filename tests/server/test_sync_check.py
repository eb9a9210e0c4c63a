"""`tracegrade exercises sync` runs `tracegrade check` on new content and refuses, with the
report, an exercise that fails it; `--force` loads anyway and says what it did not verify."""
from __future__ import annotations

import shutil

from click.testing import CliRunner
from sqlalchemy import select

from graders.cli.main import _load_plugins, cli
from server.models import Exercise, ExerciseVersion
from tests.conftest import EXERCISES
from tests.server.conftest import COURSE, EXERCISE

_load_plugins()


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def course_with_stale_traces(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    (course / "course.toml").write_text(f'slug = "{COURSE}"\ntitle = "T"\nexercises = ["{EXERCISE}"]\n')
    shutil.copytree(EXERCISES / EXERCISE, course / EXERCISE,
                    ignore=shutil.ignore_patterns("__pycache__"))
    scenario = course / EXERCISE / "scenario.py"
    scenario.write_text(scenario.read_text() + "\n# the scenario changed after `tracegrade trace`\n")
    return course


def versions(dbs) -> int:
    dbs.expire_all()
    ex = dbs.scalar(select(Exercise).where(Exercise.slug == EXERCISE))
    return len(dbs.scalars(select(ExerciseVersion).where(ExerciseVersion.exercise_id == ex.id)).all())


def test_sync_refuses_an_exercise_that_fails_check_and_force_loads_it(instance, dbs, tmp_path):
    course = course_with_stale_traces(tmp_path)
    before = versions(dbs)
    r = run("exercises", "sync", course, "--instance", instance)
    assert r.exit_code == 1, r.output
    assert "refused" in r.output and "nothing was loaded" in r.output
    assert f"FAIL  {EXERCISE}" in r.output
    assert "scenario.py changed" in r.output and "tracegrade trace" in r.output
    assert "--force" in r.output
    assert versions(dbs) == before

    r = run("exercises", "sync", course, "--instance", instance, "--force")
    assert r.exit_code == 0, r.output
    assert "--force: `tracegrade check` was skipped" in r.output and "stale traces" in r.output
    assert EXERCISE in r.output and f"{EXERCISE}: new version" in r.output
    assert versions(dbs) == before + 1
