"""Instructor-side checks of an exercise: traces current, solution full marks, starter less.

`check_exercise` returns a list of problems (empty when the exercise is fine); the CLI prints it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from graders.course import Course
from graders.errors import ExerciseError, GradingError
from graders.exercise import Exercise
from graders.runner import Grader, file_sha


@dataclass
class CheckReport:
    exercise: Exercise
    problems: list[str] = field(default_factory=list)
    solution_score: float | None = None
    starter_score: float | None = None
    max_score: float | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


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
