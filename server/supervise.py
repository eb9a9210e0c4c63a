"""Keeps `tracegrade serve`'s child processes (gunicorn, the grading worker) running: a child that
dies is started again after a growing delay, and Ctrl-C/SIGTERM stops them all.
"""
from __future__ import annotations

import signal
import subprocess
import time
from typing import Callable

FIRST_DELAY = 1.0          # seconds before the first restart; doubled per quick death
MAX_DELAY = 60.0
HEALTHY_AFTER = 30.0       # a child that ran this long starts over at FIRST_DELAY
STARTUP_GRACE = 10.0       # a child that fails (exits with an error status of its own) this
                           # soon after its very first start gives up: a configuration problem
                           # (port taken, no sandbox), not a crash. One killed by a signal (the
                           # OOM killer, an operator) is a crash, and is started again.


class Child:
    """One supervised process and its restart bookkeeping."""

    def __init__(self, label: str, argv: list[str], env: dict):
        self.label, self.argv, self.env = label, argv, env
        self.proc: subprocess.Popen | None = None
        self.started = 0.0
        self.restarts = 0
        self.delay = FIRST_DELAY
        self.due: float | None = None        # when a restart is scheduled

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv, env=self.env)
        self.started = time.monotonic()
        self.due = None

    def exit_status(self) -> str:
        code = self.proc.returncode
        if code is not None and code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"status {code}"


def supervise(children: list[Child], say: Callable[..., None], poll: float = 0.5) -> int:
    """Run until Ctrl-C/SIGTERM, restarting children that die; then stop them. Returns the exit
    status: 0, or the status of a child that died at its first start."""
    def on_term(_signum, _frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)   # also when started with SIGINT ignored (a background job)
    code = 0
    try:
        while True:
            now = time.monotonic()
            for c in children:
                if c.due is not None:
                    if now >= c.due:
                        c.start()
                    continue
                if c.proc.poll() is None:
                    continue
                ran = now - c.started
                if c.restarts == 0 and ran < STARTUP_GRACE and c.proc.returncode > 0:
                    say(f"{c.label} exited ({c.exit_status()}) right after starting; stopping",
                        err=True)
                    code = c.proc.returncode or 1
                    raise KeyboardInterrupt
                c.delay = (FIRST_DELAY if ran >= HEALTHY_AFTER or c.restarts == 0
                           else min(MAX_DELAY, c.delay * 2))
                c.restarts += 1
                c.due = now + c.delay
                say(f"{c.label} exited ({c.exit_status()}); starting it again in {c.delay:.0f} s "
                    f"(restart {c.restarts})", err=True)
            time.sleep(poll)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _stop([c.proc for c in children if c.proc is not None])
    return code


def _stop(procs: list[subprocess.Popen], grace: float = 15.0) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    deadline = time.monotonic() + grace
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
