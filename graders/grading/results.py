"""Value objects for what grading produced: per-test outcomes, verdicts, the whole result.

`GradeResult.to_gradescope()` gives the Gradescope results.json schema (diagnosis codes in its
`tags` and `extra_data`); `split_stderr` separates the grader failures only instructors see.
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
    error: str = ""                # the grader's own failure (traceback): for instructors only

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

    @property
    def grader_errors(self) -> list[TestOutcome]:
        """The tests whose grader itself failed (a bug in the exercise, not the student's)."""
        return [t for t in self.tests if t.error]

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
                    "tags": [t.diagnosis] if t.diagnosis else [],
                    "extra_data": {"diagnosis": t.diagnosis},
                }
                for t in self.tests
            ],
            "extra_data": {"verdict": self.verdict.value,
                           "diagnoses": list(dict.fromkeys(self.diagnoses))},
        }
        if self.verdict is not Verdict.GRADED:
            out["output"] = f"{self.verdict.title}: {self.message}"
        return out

    def to_dict(self) -> dict:
        d = asdict(self)
        d["verdict"] = self.verdict.value
        return d


# Grader failures follow the student's own stderr after this line (GradeResult.stderr, and the
# server's stored copy of it). Only instructors see what follows it.
GRADER_ERRORS_MARK = "----- tracegrade: grader failures (shown to instructors only) -----"


# with grader failures, the student's part keeps its end and the whole fits the 64 KB a
# server stores per submission (it keeps the beginning of what is longer)
KEEP_STUDENT, KEEP_GRADER = 32 << 10, 24 << 10


def join_stderr(student: str, grader_errors: list[str]) -> str:
    """The student's stderr, then the grader failures after GRADER_ERRORS_MARK (if any)."""
    if not grader_errors:
        return student
    student = student.rstrip()
    if len(student) > KEEP_STUDENT:
        student = "[... earlier output not kept]\n" + student[-KEEP_STUDENT:]
    return f"{student}\n{GRADER_ERRORS_MARK}\n" + "\n\n".join(grader_errors)[:KEEP_GRADER]


# lines the engine's environment prints that mean nothing to anyone (torch cannot read the CPU's
# description inside the sandbox; it falls back and works)
NOISE = ("Error in cpuinfo: failed to parse processor information",)


def quiet_stderr(text: str) -> str:
    """text without the NOISE lines."""
    if not any(n in text for n in NOISE):
        return text
    return "".join(ln for ln in text.splitlines(keepends=True) if not any(n in ln for n in NOISE))


def split_stderr(text: str) -> tuple[str, str]:
    """(what the student may see, the grader failures). Split at the *first* mark: text after it
    is never shown to a student, even when student output imitates the mark."""
    head, mark, tail = (text or "").partition(GRADER_ERRORS_MARK)
    return (head.rstrip("\n"), tail.strip("\n")) if mark else (text or "", "")
