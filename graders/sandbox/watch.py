"""Watching a sandbox's process tree: wait for the student process to write result.json (its
last act) or to end, copying each seed's trace out as it arrives; then end the sandbox.
"""
from __future__ import annotations

import os
import select
import signal

from graders.sandbox.copyout import RESULT_FILE, collect_outputs, collect_seed, seed_folder
from graders.sandbox.inotify import ClosedAfterWriting
from graders.sandbox.root import Root


def watch_job(job: dict, limits, root: Root | None, student,
              finished: ClosedAfterWriting | None, init: int | None) -> tuple[int, bool]:
    """Wait for the student process of a job (student: its graders.pool.spares.Spare),
    copying each seed's trace out as soon as it renames it into /out (phase 2 may start on it);
    then end the sandbox (its PID 1 killed: the kernel kills all the student process left
    behind) and copy out the rest. Returns (its status, whether it was reaped). Its (slow) exit
    is not waited for, and nothing in the sandbox runs any more when the outputs are copied (a
    killed process does not return to user code). limits: the job's graders.format.limits.Limits."""
    collected: set[int] = set()
    seeds = {seed_folder(s): int(s) for s in job["seeds"]}

    def arrived(name: str) -> None:         # a seed's trace is whole: out to phase 2 now
        if root is not None and name in seeds:
            collect_seed(root, job, seeds[name], limits.trace_mb << 20, collected)
    status, reaped = wait_student(student, finished, arrived)
    if root is not None:
        os.kill(init, signal.SIGKILL)
        if not reaped:
            os.kill(student.pid, signal.SIGKILL)
        collect_outputs(root, job, limits.trace_mb << 20, collected)
    return status, reaped


def wait_student(student, finished: ClosedAfterWriting | None,
                 arrived=lambda name: None) -> tuple[int, bool]:
    """Wait until the student process has written its result.json (its last act; then it
    counts as exited with status 0, and its slow exit is not waited for) or has ended: (status,
    whether it was reaped). arrived(name) for each other file or folder it renames into /out
    meanwhile. It holds no channel back to the keeper: student code could write into it."""
    student.discard()
    try:
        pidfd = os.pidfd_open(student.pid)
    except (OSError, AttributeError):       # Linux < 5.3: wait for its exit
        return os.waitpid(student.pid, 0)[1], True
    try:
        while True:
            ready = select.select([pidfd] + ([finished] if finished is not None else []), [], [])[0]
            if pidfd in ready:
                return os.waitpid(student.pid, 0)[1], True
            names = finished.names()
            if RESULT_FILE in names:
                return 0, False
            for name in names:
                arrived(name)
    finally:
        os.close(pidfd)     # (not `finished`: closing an inotify instance waits for an SRCU
        # grace period, 6 to 15 ms here; the process's exit closes it, after the report)
