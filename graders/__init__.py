"""tracegrade's grading engine: exercises, traces, checks, and the two-phase Grader.

Works with no database and no web server; `server/` builds on it, never the other way round.
The names below are imported when first asked for (as in graders.pool): a process that needs
one room of the engine (the command line before it grades, a job process) does not import torch
for it, and `tracegrade grade` can settle torch's threads before torch is imported.
"""
_HOMES = {
    "ExerciseError": "graders.errors", "GradingError": "graders.errors",
    "TracegradeError": "graders.errors", "Exercise": "graders.format.exercise",
    "Limits": "graders.format.limits", "Grader": "graders.grading.grader",
    "GradeResult": "graders.grading.results", "TestOutcome": "graders.grading.results",
    "Verdict": "graders.grading.results",
}

__all__ = [
    "Exercise", "ExerciseError", "GradeResult", "Grader", "GradingError", "Limits",
    "TestOutcome", "TracegradeError", "Verdict",
]


def __getattr__(name: str):
    """The engine's public names, imported when first asked for."""
    if name in _HOMES:
        import importlib
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'graders' has no attribute {name!r}")
