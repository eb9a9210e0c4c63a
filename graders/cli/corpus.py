"""`tracegrade corpus EXDIR [CORPUS_DIR]`: grade every file of an exercise's corpus and say, per
file, what it expected, the verdict and diagnoses it got, and whether that is right.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from graders.errors import GradingError


@click.command("corpus")
@click.argument("exercise_dir", type=click.Path(file_okay=False, path_type=Path))
@click.argument("corpus_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--seeds", default="all", show_default=True,
              help="auto, public, hidden, all, or a comma-separated list of seeds.")
@click.option("--debug", is_flag=True, help="Also show each grader failure's traceback.")
def corpus_cmd(exercise_dir: Path, corpus_dir: Path | None, seeds: str, debug: bool) -> None:
    """Grade each corpus file (CORPUS_DIR, default EXERCISE_DIR/corpus) and check it gets what
    its first line expects: `# expect: full`, `# expect: mistake <diagnosis>` or
    `# expect: verdict <verdict>`. Exit status 1 when a file does not."""
    from graders.cli.grade import load_or_exit
    from graders.cli.report import debug_details
    from graders.grading import corpus
    from graders.grading.grader import Grader

    exercise = load_or_exit(exercise_dir)
    folder = corpus_dir or exercise.path / "corpus"
    found = corpus.files(folder)
    if not found:
        raise click.UsageError(f"{folder}: no corpus files (*.py) there. Give the corpus folder "
                               f"as CORPUS_DIR, or put the files in {exercise.path / 'corpus'}.")
    if seeds not in ("auto", "public", "hidden", "all"):
        try:
            seeds = [int(s) for s in seeds.split(",")]
        except ValueError:
            raise click.UsageError("--seeds: expected auto, public, hidden, all or numbers like 1,2") from None
    name_w = min(max(len(f.name) for f in found), 40)
    bad = 0
    try:
        with Grader(one_shot=True) as grader:
            for f in found:
                j = corpus.grade_file(exercise, f, grader, seeds)
                bad += not j.ok
                expect = str(j.expect) if j.expect else "?"
                click.echo(f"{'ok  ' if j.ok else 'FAIL'}  {f.name:<{name_w}}  expect {expect}; got {j.got}")
                if j.why:
                    click.echo(f"      {j.why}")
                if debug and j.result is not None and j.result.grader_errors:
                    click.echo("\n".join("      " + ln for ln in debug_details(j.result).splitlines()))
    except GradingError as e:
        click.echo(f"internal error: {e}", err=True)
        sys.exit(4)
    click.echo(f"{len(found) - bad} of {len(found)} corpus files as expected")
    sys.exit(1 if bad else 0)
