"""The cold path of bench/grading.py: a Backend that runs each phase in a fork of a freshly
started interpreter (what a grader pays that starts a process per submission, without exec).
"""
from __future__ import annotations

import os
import time

from graders.pool.backends import Backend, ChildRun, kill_group, watch_child


class ForkBackend(Backend):
    """Runs each phase in a fork of this (freshly started, not warmed) interpreter."""

    description = "cold: fresh interpreter per submission"

    def run(self, job: dict, wall_seconds: float, output_bytes: int) -> ChildRun:
        from graders.grading import child
        pipes = [os.pipe() for _ in range(3)]
        (out_r, out_w), (err_r, err_w), (ready_r, ready_w) = pipes
        pid = os.fork()
        if pid == 0:
            os.setsid()
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            os.chdir(job.get("work_dir") or job["tmp_dir"])
            os._exit(child.run_phase({**job, "ready_fd": ready_w}))
        for fd in (out_w, err_w, ready_w):
            os.close(fd)

        def wait(timeout):
            end = None if timeout is None else time.monotonic() + timeout
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    return status
                if end is not None and time.monotonic() > end:
                    return None
                time.sleep(0.002)
        try:
            return watch_child(pid, out_r, err_r, ready_r, wall_seconds, output_bytes, wait)
        finally:
            kill_group(pid)
            for fd in (out_r, err_r, ready_r):
                os.close(fd)
