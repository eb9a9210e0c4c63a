"""Text rendering of grading results for the terminal: the table of tests with their diagnosis
codes, and (with --debug) each grader failure with its traceback for the exercise's author.
"""
from __future__ import annotations

import shutil
import textwrap

from graders.grading.results import GradeResult, Verdict, split_stderr


def result_table(result: GradeResult, exercise_title: str) -> str:
    width = min(shutil.get_terminal_size((100, 20)).columns, 110)
    lines = [f"{exercise_title}", "=" * min(len(exercise_title), width)]
    if not result.sandboxed:
        lines.append("note: graded without isolation (rlimits and timeouts only)")
    if result.verdict is not Verdict.GRADED:
        lines.append(f"{result.verdict.title}")
        lines += ["  " + ln for ln in result.message.splitlines()]
    name_w = max([len(t.name) for t in result.tests] + [10])
    name_w = min(name_w, width - 24)
    for t in result.tests:
        mark = "PASS" if t.passed else "FAIL"
        pts = f"{_n(t.score)}/{_n(t.max_score)}"
        lines.append(f"  {mark}  {shorten(t.name, name_w):<{name_w}}  {pts:>9}")
        if t.message and result.verdict is Verdict.GRADED:
            for para in t.message.splitlines():
                lines += textwrap.wrap(para, width - 10, initial_indent="        ",
                                       subsequent_indent="        ") or [""]
        if t.diagnosis and not t.passed:
            lines.append(f"        diagnosis: {t.diagnosis}")
    lines.append(f"  Total: {_n(result.score)}/{_n(result.max_score)}"
                 f"   ({result.execution_time:.2f} s, seeds {', '.join(map(str, result.seeds))})")
    lines.append(f"  Diagnoses: {', '.join(dict.fromkeys(result.diagnoses)) or 'none'}")
    if result.stdout.strip():
        lines.append("  Your code printed:")
        lines += ["    " + ln for ln in result.stdout.rstrip().splitlines()[-20:]]
    return "\n".join(lines)


def debug_details(result: GradeResult) -> str:
    """For the exercise's author (--debug): each grader failure with its traceback (file and
    line), the diagnosis codes, and the verdict's details; "" when there is nothing to show."""
    lines = []
    for t in result.grader_errors:
        lines.append(f"grader failure in '{t.name}':")
        lines += ["    " + ln for ln in t.error.splitlines()]
    if result.verdict not in (Verdict.GRADED,) and result.message:
        lines.append(f"verdict {result.verdict.value}: " + result.message.splitlines()[0])
    student_err, _ = split_stderr(result.stderr)
    if student_err.strip() and result.verdict is not Verdict.GRADED:
        lines.append("stderr of the run (last 20 lines):")
        lines += ["    " + ln for ln in student_err.rstrip().splitlines()[-20:]]
    codes = [f"{t.name} -> {t.diagnosis}" for t in result.tests if t.diagnosis]
    lines.append("diagnosis codes: " + ("; ".join(codes) if codes else "none"))
    return "\n".join(lines)


def shorten(text: str, width: int) -> str:
    """text cut to width characters, with an ellipsis when something was cut."""
    return text if len(text) <= width else text[:max(width - 1, 0)] + "…"


def _n(x: float) -> str:
    return f"{x:g}"
