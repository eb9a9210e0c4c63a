"""Every bundled exercise's graders catch at least 95% of the mutants of its solution that are
not marked equivalent, and every mark in its exercise.toml names a mutant that exists (an edit of
solution.py that moves a marked mutant fails here until the mark is updated).
`python bench/mutants.py` prints the same figures for the whole course."""
from __future__ import annotations

import pytest

from graders import Exercise
from graders.mutants.report import report_lines
from graders.mutants.run import run_mutants
from tests.conftest import EXERCISES


@pytest.mark.parametrize("slug", sorted(p.parent.name for p in EXERCISES.glob("*/exercise.toml")))
def test_graders_catch_the_mutants_of_the_solution(slug, grader):
    run = run_mutants(Exercise.load(EXERCISES / slug), grader)
    assert run.generated >= 5
    assert run.ok, "\n".join(report_lines(run, show_caught=False))
    assert not run.wrongly_equivalent, "\n".join(report_lines(run, show_caught=False))
