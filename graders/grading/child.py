"""Entry point of a grading child process: read one job (JSON) on stdin and run its phase.

`python -m graders.grading.child` is what the cold backend starts; the warm pool calls `run_phase` in a
forked child instead. The job's `ready_fd`, when given, gets one byte just before untrusted
code starts (the parent starts the wall clock then) and is closed.
"""
from __future__ import annotations

import json
import os
import sys



def signal_ready(fd: int | None) -> None:
    """Tell the parent that set-up is over and the wall clock for student code starts now."""
    if fd is None:
        return
    try:
        os.write(fd, b"R")
        os.close(fd)
    except OSError:
        pass


def run_phase(job: dict) -> int:
    """Run the job's phase (1: the scenario; 2: the pytest graders) in this process."""
    ready = job.get("ready_fd")
    if job["phase"] == 1:
        from graders.grading import phase1
        phase1.run(job, on_ready=lambda: signal_ready(ready))
        return 0
    from graders.grading import phase2
    signal_ready(ready)
    return phase2.run(job)


def main() -> int:
    job = json.loads(sys.stdin.read())
    return run_phase(job)


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
