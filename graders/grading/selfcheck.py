"""Instructor-side checks of an exercise: traces current and within tolerance of a fresh
recording here, solution full marks, starter less.

`check_exercise` returns a report with its problems (none when the exercise is fine) and the
largest drift measured; the CLI prints it.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import torch

from graders.checks.drift import KeyDrift, trace_drift
from graders.format.course import Course
from graders.errors import ExerciseError, GradingError
from graders.format.exercise import Exercise
from graders.grading.grader import Grader, file_sha
from graders.sandbox import scratch
from graders.trace.store import TraceFormatError, load_trace


@dataclass
class CheckReport:
    exercise: Exercise
    problems: list[str] = field(default_factory=list)
    solution_score: float | None = None
    starter_score: float | None = None
    max_score: float | None = None
    drift: KeyDrift | None = None      # the largest drift from a fresh recording, and its seed
    drift_seed: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def drift_text(self) -> str:
        """'drift 3.1e-07 of the magnitude (0.03 of the tolerance, loss at step 2, seed 3)'."""
        d = self.drift
        if d is None:
            return "drift not measured"
        if d.relative == 0:
            return "no drift (a fresh recording is identical)"
        return (f"drift {d.relative:.2g} of the magnitude ({d.of_tolerance:.2g} of the tolerance, "
                f"{d.where()}, seed {self.drift_seed})")


def find_exercises(path) -> list[Exercise]:
    """The exercise at path, the course's exercises, or every exercise folder below path."""
    path = Path(path)
    if (path / "exercise.toml").is_file():
        return [Exercise.load(path)]
    if (path / "course.toml").is_file():
        return list(Course.load(path).exercises)
    found = [Exercise.load(p.parent) for p in sorted(path.glob("*/exercise.toml"))]
    if not found:
        raise ExerciseError(path, "holds no exercise (no exercise.toml in it or its subfolders).")
    return found


def stale_traces(exercise: Exercise) -> list[str]:
    """Why the recorded reference traces are not current (empty when they are)."""
    import json

    problems = []
    sol, scen = file_sha(exercise.solution), file_sha(exercise.scenario)
    for seed in exercise.seeds:
        f = exercise.trace_dir(seed) / "trace.json"
        if not f.is_file():
            problems.append(f"no reference trace for seed {seed}: run `tracegrade trace {exercise.path}`")
            continue
        meta = json.loads(f.read_text(encoding="utf-8")).get("meta", {})
        if meta.get("torch") != torch.__version__:
            problems.append(f"trace for seed {seed} was recorded with torch {meta.get('torch')}, "
                            f"installed is {torch.__version__}: run `tracegrade trace`")
        elif meta.get("solution_sha") != sol or meta.get("scenario_sha") != scen:
            problems.append(f"trace for seed {seed} is older than solution.py or scenario.py: "
                            f"run `tracegrade trace {exercise.path}`")
    return problems


def largest_drift(exercise: Exercise, grader: Grader) -> tuple[int, KeyDrift] | None:
    """Record the solution's traces afresh here (in a copy of the folder, same engine path as
    `tracegrade trace`) and return the seed and key where they differ most from the committed
    ones, measured with the exercise's tolerance (None when no seed has a key)."""
    worst = None
    with scratch.folder("tracegrade-drift-") as tmp:
        copy = Path(tmp) / exercise.path.name
        shutil.copytree(exercise.path, copy, ignore=shutil.ignore_patterns("__pycache__", "traces"))
        fresh_ex = Exercise.load(copy)
        grader.record_reference(fresh_ex)
        for seed in exercise.seeds:
            try:
                committed = load_trace(exercise.trace_dir(seed))
            except TraceFormatError as e:
                raise GradingError(f"{exercise.trace_dir(seed)}: {e}") from None
            drifts = trace_drift(committed, load_trace(fresh_ex.trace_dir(seed)),
                                 exercise.rtol, exercise.atol)
            if drifts and (worst is None or (drifts[0].of_tolerance, drifts[0].relative)
                           > (worst[1].of_tolerance, worst[1].relative)):
                worst = (seed, drifts[0])
    return worst


def drift_problem(seed: int, d: KeyDrift) -> str | None:
    """The problem to report when a fresh recording differs beyond tolerance (None when within)."""
    if d.of_tolerance <= 1:
        return None
    if d.relative == float("inf"):
        return (f"a fresh recording of the solution (seed {seed}) does not match the committed "
                f"trace: {d.where()} is missing on one side or has another shape or value. Run "
                f"`tracegrade trace` and check the solution does the same thing on every run.")
    return (f"the committed traces drift beyond tolerance from a fresh recording on this machine: "
            f"{d.where()} (seed {seed}) differs by {d.relative:.2g} of its magnitude, "
            f"{d.of_tolerance:.3g} times what [tolerance] allows. Loosen [tolerance] in "
            f"exercise.toml (docs/authoring.md) or make the scenario less sensitive to rounding.")


def check_exercise(exercise: Exercise, grader: Grader) -> CheckReport:
    report = CheckReport(exercise)
    for part in ("README.md", "starter.py", "solution.py", "scenario.py"):
        if not (exercise.path / part).is_file():
            report.problems.append(f"{part} is missing")
    if not exercise.grader_files():
        report.problems.append("graders/ has no test_*.py")
    if report.problems:
        return report
    report.problems += stale_traces(exercise)
    if report.problems:
        return report
    try:
        worst = largest_drift(exercise, grader)
        if worst is not None:
            report.drift_seed, report.drift = worst
            problem = drift_problem(*worst)
            if problem:
                report.problems.append(problem)
        sol = grader.grade(exercise, exercise.solution.read_bytes(), seeds="all")
        start = grader.grade(exercise, exercise.starter.read_bytes(), seeds="all")
    except GradingError as e:
        report.problems.append(str(e))
        return report
    report.solution_score, report.starter_score, report.max_score = sol.score, start.score, sol.max_score
    if sol.max_score != exercise.points:
        report.problems.append(f"the graders' points add up to {sol.max_score:g}, exercise.toml says "
                               f"{exercise.points:g}")
    if sol.score < sol.max_score:
        failed = [f"{t.name}: {t.message}" for t in sol.tests if not t.passed] or [sol.message]
        report.problems.append("the solution does not get full marks: " + "; ".join(failed))
    if start.score >= start.max_score and start.max_score > 0:
        report.problems.append("the starter gets full marks; it should leave something to do")
    return report
