"""Phase 2, run in a trusted child: pytest runs the exercise's graders on the student trace,
the reference trace and the source text, and the plugin writes per-test outcomes to JSON.

No conftest.py, no plugin autoloading, no cache: only graders.grading.plugin is loaded.
"""
from __future__ import annotations

import os
from pathlib import Path

PYTEST_FLAGS = [
    "-p", "graders.grading.plugin",
    "-p", "no:cacheprovider",
    "-p", "no:unraisableexception",
    "-p", "no:threadexception",
    "-p", "no:faulthandler",
    "-p", "no:legacypath",
    "-p", "no:doctest",
    "-p", "no:pastebin",
    "-p", "no:nose",
    "-p", "no:logging",         # its per-test handler juggling costs more than the graders
    "-p", "no:warnings",
    "-p", "no:junitxml",
    "-p", "no:stepwise",
    "-p", "no:setuponly",
    "-p", "no:setupplan",
    "-p", "no:debugging",
    "--capture=no",             # graders' prints go to the job's (capped) output
    "--noconftest",
    "--import-mode=importlib",
    "-q", "--no-header", "-rN", "--tb=no",
]


def pytest_args(job: dict) -> list[str]:
    ini = Path(job["tmp_dir"]) / "pytest.ini"
    ini.write_text("[pytest]\n", encoding="utf-8")
    return [*job["graders"], *PYTEST_FLAGS, "-c", str(ini), "--rootdir", job["tmp_dir"],
            "--tg-job", job["job_file"]]


def run(job: dict) -> int:
    """Run pytest on the job's grader files; the plugin writes job['results_file']. A streamed
    job (graders.pool.stream) waits for phase 1 to end first, and grades nothing when it failed."""
    import pytest

    from graders.pool import stream

    if job.get("streamed") and not stream.Feed(job["student_dir"]).wait():
        return 0

    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return int(pytest.main(pytest_args(job)))
