"""Text rendering of grading results and check reports for the terminal."""
from __future__ import annotations

import shutil
import textwrap

from graders.grading.results import GradeResult, Verdict


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
        lines.append(f"  {mark}  {t.name[:name_w]:<{name_w}}  {pts:>9}")
        if t.message and result.verdict is Verdict.GRADED:
            for para in t.message.splitlines():
                lines += textwrap.wrap(para, width - 10, initial_indent="        ",
                                       subsequent_indent="        ") or [""]
    lines.append(f"  Total: {_n(result.score)}/{_n(result.max_score)}"
                 f"   ({result.execution_time:.2f} s, seeds {', '.join(map(str, result.seeds))})")
    if result.stdout.strip():
        lines.append("  Your code printed:")
        lines += ["    " + ln for ln in result.stdout.rstrip().splitlines()[-20:]]
    return "\n".join(lines)


def _n(x: float) -> str:
    return f"{x:g}"
