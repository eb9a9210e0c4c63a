"""Authoring commands: `check` an exercise, record its reference `trace`s, scaffold a `new` one."""
from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import click

from graders.errors import ExerciseError, GradingError

SCAFFOLD = Path(__file__).resolve().parent.parent / "scaffold"


def _exercises_or_exit(path: Path):
    from graders.grading.selfcheck import find_exercises
    try:
        return find_exercises(path)
    except ExerciseError as e:
        click.echo(f"invalid exercise: {e}", err=True)
        sys.exit(3)


@click.command("check")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default="exercises")
def check_cmd(path: Path) -> None:
    """Verify exercises: valid exercise.toml, current traces within tolerance of a fresh
    recording here (the largest drift is printed), solution full marks, starter less.

    PATH is one exercise folder, a course folder (course.toml) or a folder of exercises."""
    from graders.grading.selfcheck import check_exercise
    from graders.grading.grader import Grader

    exercises = _exercises_or_exit(path)
    bad = 0
    with Grader(one_shot=True) as grader:
        for ex in exercises:
            rep = check_exercise(ex, grader)
            if rep.ok:
                click.echo(f"ok    {ex.slug}: solution {rep.solution_score:g}/{rep.max_score:g}, "
                           f"starter {rep.starter_score:g}/{rep.max_score:g}, {rep.drift_text()}")
            else:
                bad += 1
                click.echo(f"FAIL  {ex.slug}")
                for p in rep.problems:
                    click.echo(f"      - {p}")
    click.echo(f"{len(exercises) - bad} of {len(exercises)} exercises ok")
    sys.exit(1 if bad else 0)


@click.command("trace")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
def trace_cmd(path: Path) -> None:
    """Record reference traces from the solution, for public and hidden seeds."""
    from graders.grading.grader import Grader

    exercises = _exercises_or_exit(path)
    with Grader(one_shot=True) as grader:
        for ex in exercises:
            try:
                seeds = grader.record_reference(ex)
            except GradingError as e:
                click.echo(f"error: {e}", err=True)
                sys.exit(4)
            click.echo(f"{ex.slug}: recorded seeds {', '.join(map(str, seeds))} in {ex.traces_dir}")


@click.command("new")
@click.argument("slug")
@click.option("--dir", "parent", type=click.Path(file_okay=False, path_type=Path), default=".",
              help="Folder to create the exercise in.")
@click.option("--title", default=None, help="The exercise's title.")
@click.option("--no-trace", is_flag=True, help="Do not record the reference traces.")
def new_cmd(slug: str, parent: Path, title: str | None, no_trace: bool) -> None:
    """Scaffold an exercise folder SLUG that passes `tracegrade check` as it stands."""
    from graders.format.exercise import SLUG_RE, Exercise
    from graders.grading.grader import Grader

    if not SLUG_RE.match(slug):
        raise click.UsageError(f"'{slug}' is not a valid slug: use lowercase letters, digits and '-'.")
    dest = parent / slug
    if dest.exists():
        raise click.UsageError(f"{dest} already exists; pick another name or remove it.")
    title = title or slug.replace("-", " ").capitalize()
    shutil.copytree(SCAFFOLD, dest, ignore=shutil.ignore_patterns("__pycache__"))
    for f in dest.rglob("*"):
        if f.is_file():
            text = f.read_text(encoding="utf-8")
            f.write_text(re.sub(r"\{\{slug\}\}", slug, text).replace("{{title}}", title), encoding="utf-8")
    click.echo(f"created {dest}")
    if not no_trace:
        with Grader(one_shot=True) as grader:
            grader.record_reference(Exercise.load(dest))
        click.echo(f"recorded reference traces; next: edit the files, then `tracegrade trace {dest}` "
                   f"and `tracegrade check {dest}`")
