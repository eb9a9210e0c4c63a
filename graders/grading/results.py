"""Value objects for what grading produced: per-test outcomes, verdicts, the whole result.

`GradeResult.to_gradescope()` gives the Gradescope results.json schema.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum


class Verdict(str, Enum):
    """How a grading job ended. Only GRADED carries a score from the graders."""

    GRADED = "graded"
    SYNTAX_ERROR = "syntax_error"
    EXCEPTION = "exception"
    MISSING = "missing"
    TIME_LIMIT = "time_limit"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    CRASHED = "crashed"
    BAD_SOURCE = "bad_source"
    INTERNAL_ERROR = "internal_error"

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    Verdict.GRADED: "Graded",
    Verdict.SYNTAX_ERROR: "Syntax error",
    Verdict.EXCEPTION: "Your code raised an exception",
    Verdict.MISSING: "Something the exercise asks for is missing",
    Verdict.TIME_LIMIT: "Time limit exceeded",
    Verdict.MEMORY_LIMIT: "Memory limit exceeded",
    Verdict.OUTPUT_LIMIT: "Too much output",
    Verdict.CRASHED: "Your code crashed",
    Verdict.BAD_SOURCE: "The submission could not be read",
    Verdict.INTERNAL_ERROR: "The grader failed (not your fault)",
}


@dataclass
class TestOutcome:
    """One grader test: points earned of possible, status and the student-facing message."""

    name: str
    score: float
    max_score: float
    status: str                    # "passed" | "failed"
    message: str = ""              # student-facing feedback ("" when passed)
    diagnosis: str | None = None   # a named mistake, e.g. "grads_accumulate"
    visibility: str = "visible"    # Gradescope: visible, hidden, after_due_date, after_published

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass
class GradeResult:
    """Everything one grading produced; scores come only from phase 2 graders."""

    verdict: Verdict
    score: float
    max_score: float
    tests: list[TestOutcome] = field(default_factory=list)
    message: str = ""              # verdict message when not GRADED
    stdout: str = ""
    stderr: str = ""
    execution_time: float = 0.0    # seconds, both phases
    seeds: list[int] = field(default_factory=list)
    sandboxed: bool = False
    traces: dict = field(default_factory=dict)   # seed -> {key: [scalars...]} for plots (losses)

    @property
    def diagnoses(self) -> list[str]:
        return [t.diagnosis for t in self.tests if t.diagnosis]

    def to_gradescope(self) -> dict:
        """The Gradescope results.json object."""
        out = {
            "score": round(self.score, 4),
            "max_score": self.max_score,
            "execution_time": round(self.execution_time, 3),
            "tests": [
                {
                    "name": t.name,
                    "score": round(t.score, 4),
                    "max_score": t.max_score,
                    "status": t.status,
                    "output": t.message,
                    "visibility": t.visibility,
                }
                for t in self.tests
            ],
        }
        if self.verdict is not Verdict.GRADED:
            out["output"] = f"{self.verdict.title}: {self.message}"
        return out

    def to_dict(self) -> dict:
        d = asdict(self)
        d["verdict"] = self.verdict.value
        return d
