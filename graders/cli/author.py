"""Authoring commands: `check` exercises, record their reference `trace`s, scaffold a `new` one."""
from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import click

from graders.errors import ExerciseError, GradingError
from graders.format.where import exercise_error_text

SCAFFOLD = Path(__file__).resolve().parent.parent / "scaffold"


def _exercises_or_exit(path: Path):
    from graders.grading.selfcheck import find_exercises
    try:
        return find_exercises(path)
    except ExerciseError as e:
        click.echo(f"invalid exercise: {exercise_error_text(e)}", err=True)
        sys.exit(3)


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(file_okay=False, path_type=Path))
@click.option("--debug", is_flag=True,
              help="Also show each grader failure with its traceback (file and line) and the "
                   "diagnosis codes of the solution's and the starter's gradings.")
@click.option("--mutants", is_flag=True,
              help="Also mutate each solution (drop a call, swap statements or arguments, change a "
                   "constant or operator, ...), grade every mutant and report those that still get "
                   "full marks; an exercise fails below 95% of its non-equivalent mutants caught.")
# further options of `check` go here, one decorator each
def check_cmd(paths: tuple[Path, ...], debug: bool, mutants: bool = False) -> None:
    """Verify exercises and report every problem of every one before exiting: exercise.toml
    valid, limits consistent, traces current (one folder per seed, a sensible size) and within
    tolerance of a fresh recording here (the largest drift is printed), no grader that crashes,
    solution full marks, starter less.

    PATHS are exercise folders, course folders (course.toml) or folders of exercises (default:
    exercises). Exit status: 0 all ok, 1 problems found, 3 an exercise.toml could not be read."""
    from graders.cli.check_text import report_lines
    from graders.cli.mutants import check_mutants
    from graders.grading.grader import Grader
    from graders.grading.selfcheck import check_exercise, collect_exercises

    items = collect_exercises(paths or (Path("exercises"),))
    bad = unreadable = 0
    with Grader(one_shot=not mutants) as grader:
        for item in items:
            if isinstance(item, ExerciseError):
                unreadable += 1
                click.echo(f"FAIL  {item.path}")
                click.echo("      - invalid exercise: " + exercise_error_text(item).replace("\n", "\n        "))
                continue
            rep = check_exercise(item, grader)
            bad += 0 if rep.ok else 1
            for line in report_lines(rep, debug):
                click.echo(line)
            if mutants and not check_mutants(item, grader, ready=rep.ok):
                bad += 1 if rep.ok else 0
    click.echo(f"{len(items) - bad - unreadable} of {len(items)} exercises ok")
    sys.exit(3 if unreadable else 1 if bad else 0)


@click.command("trace")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
def trace_cmd(path: Path) -> None:
    """Record reference traces from the solution, for public and hidden seeds; remove the
    folders of seeds that exercise.toml no longer lists."""
    from graders.grading.grader import Grader

    exercises = _exercises_or_exit(path)
    failed = False
    with Grader(one_shot=True) as grader:
        for ex in exercises:
            try:
                seeds = grader.record_reference(ex)
            except GradingError as e:
                click.echo(f"error: {e}", err=True)
                failed = True
                continue
            click.echo(f"{ex.slug}: recorded seeds {', '.join(map(str, seeds))} in {ex.traces_dir}")
            for gone in remove_stray_seeds(ex):
                click.echo(f"{ex.slug}: removed {gone} (its seed is not in exercise.toml)")
    if failed:
        sys.exit(4)


def remove_stray_seeds(exercise) -> list[Path]:
    """Delete traces/seed-N folders whose seed exercise.toml does not list; return them."""
    from graders.grading.static_checks import SEED_DIR

    gone = []
    if exercise.traces_dir.is_dir():
        for p in sorted(exercise.traces_dir.iterdir()):
            m = SEED_DIR.match(p.name)
            if m and p.is_dir() and int(m.group(1)) not in exercise.seeds:
                shutil.rmtree(p)
                gone.append(p)
    return gone


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
