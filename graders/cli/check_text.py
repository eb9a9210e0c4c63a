"""The text of one exercise's `tracegrade check` report: ok or FAIL, each problem, each warning,
and with --debug the gradings' grader failures (traceback, file, line) and diagnosis codes.
"""
from __future__ import annotations

from graders.cli.report import debug_details
from graders.grading.selfcheck import CheckReport


def report_lines(rep: CheckReport, debug: bool = False) -> list[str]:
    ex = rep.exercise
    if rep.ok and rep.solution_score is not None:
        lines = [f"ok    {ex.slug}: solution {rep.solution_score:g}/{rep.max_score:g}, "
                 f"starter {rep.starter_score:g}/{rep.max_score:g}, {rep.drift_text()}"]
    elif rep.ok:
        lines = [f"ok    {ex.slug}"]
    else:
        lines = [f"FAIL  {ex.slug} ({ex.path})"]
        lines += ["      - " + p.replace("\n", "\n        ") for p in rep.problems]
    lines += [f"      warning: {w}" for w in rep.warnings]
    if debug:
        for who, result in (("solution", rep.solution), ("starter", rep.starter)):
            if result is not None:
                lines.append(f"      [debug] {who}: {result.score:g}/{result.max_score:g}")
                lines += ["        " + ln for ln in debug_details(result).splitlines()]
    return lines
