"""`tracegrade grade EXERCISE FILE`: grade a file locally, as a table or Gradescope JSON."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from graders.errors import ExerciseError, GradingError
from graders.format.exercise import Exercise
from graders.cli.report import debug_details, result_table
from graders.format.where import exercise_error_text


@click.command("grade")
@click.argument("exercise_dir", type=click.Path(file_okay=False, path_type=Path))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="text: a table; json: Gradescope results.json.")
@click.option("--seeds", default="auto", show_default=True,
              help="auto, public, hidden, all, or a comma-separated list of seeds.")
@click.option("--fail-under", type=float, default=None,
              help="Exit with status 1 when the score is below this number.")
@click.option("--debug", is_flag=True,
              help="For the exercise's author: each grader failure with its traceback (file and "
                   "line), and the diagnosis codes (on stderr).")
@click.option("--pool", "use_pool", is_flag=True,
              help="Grade through a one-shot warm pool (two zygote interpreters) instead of in this "
                   "process; slower, for comparison.")
def grade_cmd(exercise_dir: Path, file: Path, fmt: str, seeds: str, fail_under: float | None,
              debug: bool, use_pool: bool) -> None:
    """Grade FILE against the exercise in EXERCISE_DIR."""
    from graders.pool import inline

    inline.prepare_interpreter(probe=not use_pool)  # before anything imports torch (see backend_for)
    from graders.grading.grader import Grader
    from graders.grading.provenance import stale_traces

    exercise = load_or_exit(exercise_dir)
    if not file.is_file():
        raise click.UsageError(f"{file}: no such file. Give the path of your solution file.")
    if seeds not in ("auto", "public", "hidden", "all"):
        try:
            seeds = [int(s) for s in seeds.split(",")]
        except ValueError:
            raise click.UsageError("--seeds: expected auto, public, hidden, all or numbers like 1,2") from None
    try:
        with Grader(backend_for(use_pool), one_shot=True) as grader:
            seed_list = grader.seeds_for(exercise, seeds)
            for problem in stale_traces(exercise, seed_list):
                click.echo(f"warning: {problem}; scores against these traces may be wrong.", err=True)
            result = grader.grade(exercise, file.read_bytes(), seeds=seeds)
    except GradingError as e:
        click.echo(f"internal error: {e}", err=True)
        sys.exit(4)
    if fmt == "json":
        click.echo(json.dumps(result.to_gradescope(), indent=2))
    else:
        click.echo(result_table(result, f"{exercise.title} ({exercise.slug})"))
    if debug:
        click.echo("[debug]\n" + debug_details(result), err=True)
    code = 1 if fail_under is not None and result.score < fail_under else 0
    if not use_pool:
        exit_now(code)
    sys.exit(code)


def exit_now(code: int) -> None:
    """End the process now: the output is flushed, the pool closed and the temporary folders
    removed, so the interpreter's teardown (freeing torch's objects one by one: ~15% of what
    `import torch` takes here) does nothing a user would miss."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:                 # (a closed pipe: nothing more can be said)
        pass
    os._exit(code)


def backend_for(use_pool: bool):
    """This interpreter as a pool of one (graders.pool.inline: the one-shot pool with zygotes
    forked from this process), the same sandboxes and verdicts as the server's pool; None (the
    one-shot pool) with --pool, or where this process cannot fork safely."""
    from graders.pool import inline

    if use_pool:
        return None
    try:
        return inline.InlinePool()
    except inline.InlineUnavailable:
        return None


def load_or_exit(path: Path) -> Exercise:
    try:
        return Exercise.load(path)
    except ExerciseError as e:
        click.echo(f"invalid exercise: {exercise_error_text(e)}", err=True)
        sys.exit(3)
