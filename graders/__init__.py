"""tracegrade's grading engine: exercises, traces, checks, and the two-phase Grader.

Works with no database and no web server; `server/` builds on it, never the other way round.
"""
from graders.errors import ExerciseError, GradingError, TracegradeError
from graders.format.exercise import Exercise
from graders.format.limits import Limits
from graders.grading.grader import Grader
from graders.grading.results import GradeResult, TestOutcome, Verdict

__all__ = [
    "Exercise", "ExerciseError", "GradeResult", "Grader", "GradingError", "Limits",
    "TestOutcome", "TracegradeError", "Verdict",
]
