"""An exercise's corpus: submissions that each state on their first line what grading must
give them (`# expect: full`, `# expect: mistake <diagnosis>`, `# expect: verdict <verdict>`),
graded on every seed and judged. `tracegrade corpus` and the project's own corpus test use it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from graders.format.exercise import Exercise
from graders.grading.results import GradeResult, Verdict

EXPECT_RE = re.compile(r"^# expect: (full|mistake|verdict)\s*(\S*)\s*$")
FIRST_LINE = ("the first line must be '# expect: full', '# expect: mistake <diagnosis>' or "
              "'# expect: verdict <verdict>'")
VERDICTS = tuple(v.value for v in Verdict)


@dataclass(frozen=True)
class Expectation:
    kind: str          # full | mistake | verdict
    what: str = ""     # the diagnosis or the verdict

    def __str__(self) -> str:
        return self.kind + (f" {self.what}" if self.what else "")


@dataclass
class Judged:
    file: Path
    expect: Expectation | None
    ok: bool
    got: str                       # what grading gave, in a line
    why: str = ""                  # what is wrong, when not ok
    result: GradeResult | None = None


def files(folder: Path) -> list[Path]:
    """The corpus files of folder: every *.py in it, sorted by name."""
    return sorted(Path(folder).glob("*.py")) if Path(folder).is_dir() else []


def expectation(path: Path) -> Expectation | None:
    """What the file's first line expects (None when it does not say, or says it wrongly)."""
    first = (Path(path).read_text(encoding="utf-8", errors="replace").splitlines() or [""])[0]
    m = EXPECT_RE.match(first)
    if not m:
        return None
    kind, what = m.groups()
    if (kind == "full") != (what == "") or (kind == "verdict" and what not in VERDICTS):
        return None
    return Expectation(kind, what)


def describe(result: GradeResult) -> str:
    """'verdict graded, 4/10, diagnoses grads_accumulate, step_repeated'."""
    codes = ", ".join(dict.fromkeys(result.diagnoses)) or "none"
    return (f"verdict {result.verdict.value}, {result.score:g}/{result.max_score:g}, "
            f"diagnoses {codes}")


def judge(expect: Expectation, result: GradeResult) -> tuple[bool, str]:
    """(as expected, why not) for one graded corpus file."""
    if result.grader_errors:
        names = ", ".join(f"'{t.name}'" for t in result.grader_errors)
        return False, f"a grader failed ({names}): `tracegrade grade --debug` shows where"
    if expect.kind == "full":
        if result.verdict is not Verdict.GRADED:
            return False, f"expected full marks, got the verdict {result.verdict.value}: {result.message[:300]}"
        if result.score < result.max_score:
            lost = "; ".join(f"{t.name}: {t.message}" for t in result.tests if not t.passed)
            return False, f"expected full marks, lost points: {lost[:600]}"
        return True, ""
    if expect.kind == "mistake":
        if result.score >= result.max_score:
            return False, f"expected the mistake {expect.what}, got full marks"
        if expect.what not in result.diagnoses:
            return False, f"expected the diagnosis {expect.what} among the failed tests' diagnoses"
        silent = [t.name for t in result.tests if t.diagnosis == expect.what and not t.message.strip()]
        if silent:
            return False, f"the tests diagnosing {expect.what} give no message: {', '.join(silent)}"
        return True, ""
    if result.verdict.value != expect.what:
        return False, f"expected the verdict {expect.what}"
    if result.score != 0:
        return False, f"the verdict {expect.what} must score 0"
    return True, ""


def grade_file(exercise: Exercise, path: Path, grader, seeds="all") -> Judged:
    """Grade one corpus file on seeds and judge it against its first line."""
    expect = expectation(path)
    if expect is None:
        return Judged(path, None, False, "not graded", f"{path}, line 1: {FIRST_LINE}")
    result = grader.grade(exercise, Path(path).read_bytes(), seeds=seeds)
    ok, why = judge(expect, result)
    return Judged(path, expect, ok, describe(result), why, result)


def run(exercise: Exercise, folder: Path, grader, seeds="all") -> list[Judged]:
    """Every file of the corpus folder, graded and judged."""
    return [grade_file(exercise, f, grader, seeds) for f in files(folder)]
