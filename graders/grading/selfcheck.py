"""Instructor-side checks of an exercise: the folder's static findings (parts, limits, traces
current and one per seed), traces within tolerance of a fresh recording here, solution full
marks, starter less, no grader that crashes.

`check_exercise` returns a report with its problems (none when the exercise is fine), warnings
and the largest drift measured; `collect_exercises` loads every exercise of several paths and
keeps the ones that fail to load as errors, so one typo does not hide the rest.
"""
from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from graders.checks.drift import KeyDrift, trace_drift
from graders.format.course import Course
from graders.errors import ExerciseError, GradingError
from graders.format.exercise import Exercise
from graders.format.where import toml_line
from graders.grading.grader import Grader
from graders.grading.provenance import stale_traces  # noqa: F401 (its old home)
from graders.grading.results import GradeResult
from graders.grading.static_checks import static_findings
from graders.sandbox import scratch
from graders.trace.store import TraceFormatError, load_trace


@dataclass
class CheckReport:
    exercise: Exercise
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    solution: GradeResult | None = None     # the gradings, for --debug
    starter: GradeResult | None = None
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
    """The exercise at path, the course's exercises, or every exercise folder below path
    (raises the first ExerciseError; `collect_exercises` keeps going)."""
    found = collect_exercises([path])
    for item in found:
        if isinstance(item, ExerciseError):
            raise item
    return found


def collect_exercises(paths) -> list[Exercise | ExerciseError]:
    """Every exercise under each path (an exercise folder, a course folder, a folder of
    exercises), in order, each once; an exercise that fails to load is an ExerciseError in the
    list, so the others are still checked."""
    out: list = []
    seen: set = set()

    def add(item, key):
        if key not in seen:
            seen.add(key)
            out.append(item)

    for path in map(Path, paths):
        if not path.is_dir():
            add(ExerciseError(path, "no such folder: give an exercise folder, a course folder "
                                    "or a folder of exercises."), str(path))
            continue
        if (path / "exercise.toml").is_file():
            folders = [path]
        elif (path / "course.toml").is_file():
            try:
                Course.load(path)
            except ExerciseError as e:      # reported once, even when an exercise says it too
                add(e, str(e))
            folders = _course_folders(path)
        else:
            folders = [p.parent for p in sorted(path.glob("*/exercise.toml"))]
            if not folders:
                add(ExerciseError(path, "holds no exercise (no exercise.toml in it or its "
                                        "subfolders)."), str(path))
        for folder in folders:
            try:
                ex = Exercise.load(folder)
            except ExerciseError as e:
                add(e, str(e))
                continue
            add(ex, str(ex.path))
    return out


def _course_folders(path: Path) -> list[Path]:
    """The folders course.toml lists (those that exist), else every exercise folder below."""
    try:
        order = tomllib.loads((path / "course.toml").read_text(encoding="utf-8")).get("exercises")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        order = None
    if isinstance(order, list) and all(isinstance(s, str) for s in order):
        return [path / s for s in order if (path / s).is_dir()]
    return [p.parent for p in sorted(path.glob("*/exercise.toml"))]


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
    """Every problem of the exercise: the static findings first; then, when the parts and
    current traces are there, the drift of a fresh recording and the gradings of the solution
    and the starter."""
    report = CheckReport(exercise)
    found = static_findings(exercise)
    report.problems += found.problems
    report.warnings += found.warnings
    if not found.runnable or not found.traces_current:
        report.warnings.append("the solution and the starter were not graded: " + (
            "parts are missing or do not compile" if not found.runnable else "the traces are not current"))
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
    report.solution, report.starter = sol, start
    report.solution_score, report.starter_score, report.max_score = sol.score, start.score, sol.max_score
    if sol.max_score != exercise.points:
        toml = exercise.path / "exercise.toml"
        at = toml_line(toml, "points")
        report.problems.append(f"the graders' points add up to {sol.max_score:g}, exercise.toml says "
                               f"{exercise.points:g}: make `points` ({toml}:{at[0] if at else '?'}) "
                               f"equal the sum of the graders' @pytest.mark.points")
    crashes: dict[tuple, list[str]] = {}
    for who, r in (("solution", sol), ("starter", start)):
        for t in r.grader_errors:
            crashes.setdefault((t.name, last_frame(t.error)), []).append(who)
    for (name, where), who in crashes.items():
        report.problems.append(f"a grader failed on the {' and the '.join(who)}, in '{name}': "
                               f"{where} (`tracegrade check --debug` shows the traceback)")
    if sol.score < sol.max_score:
        failed = [f"{t.name}: {t.message}" for t in sol.tests if not t.passed and not t.error]
        if failed or not sol.grader_errors:
            report.problems.append("the solution does not get full marks: "
                                   + "; ".join(failed or [sol.message]))
    if start.score >= start.max_score and start.max_score > 0:
        report.problems.append(f"the starter gets full marks; {exercise.starter} should leave "
                               f"something to do (a skeleton, or a version with the mistake)")
    return report


def last_frame(error: str) -> str:
    """'graders/test_x.py, line 12: KeyError: 'k'' from a grader's traceback text."""
    lines = [ln for ln in error.splitlines() if ln.strip()]
    files = [ln.strip() for ln in lines if ln.strip().startswith('File "')]
    where = ""
    if files:       # the deepest frame in the exercise's own files (named relative to it)
        f = ([f for f in files if not f.split('"')[1].startswith("/")] or files)[-1]
        name = f.split('"')[1]
        line = f.split("line ")[1].split(",")[0] if "line " in f else "?"
        where = f"{name}, line {line}: "
    return where + (lines[-1].strip() if lines else "unknown error")
