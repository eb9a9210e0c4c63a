"""`tracegrade check --mutants`: the mutation run of one exercise after its self-check, printed
with its survivors' diffs and the closing line `mutants: caught C of N (E equivalent)`.
"""
from __future__ import annotations

import click

from graders.format.exercise import Exercise
from graders.grading.grader import Grader
from graders.mutants.report import report_lines
from graders.mutants.run import run_mutants
from graders.pool import cores


def check_mutants(exercise: Exercise, grader: Grader, ready: bool = True) -> bool:
    """Run and print the mutation check of exercise; True when it reaches the threshold.
    ready: the self-check passed (mutants are graded only against a solution with full marks)."""
    if not ready:
        click.echo(f"      mutants: not run for {exercise.slug} (fix the problems above first)")
        return False
    run = run_mutants(exercise, grader, in_flight=cores())
    for line in report_lines(run):
        click.echo("      " + line if not line.startswith("mutants:") else line)
    return run.ok
