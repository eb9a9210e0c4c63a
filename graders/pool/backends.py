"""How a grading job reaches a child process. `ColdBackend` starts a fresh interpreter per job
(`python -m graders.grading.child`); the warm pool plugs in behind the same `Backend.run` interface.

`watch_child` is shared: it enforces the wall clock after the child says it is ready, caps
stdout+stderr, and kills the child's whole process group on either limit.
"""
from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]     # the folder that holds graders/
STARTUP_SECONDS = 60.0   # allowance before the child signals ready (a cold torch import)


@dataclass
class ChildRun:
    """How one child process ended, seen from outside."""

    returncode: int | None       # exit status, or None when killed by a signal
    signal: int | None           # the signal that ended it
    timed_out: bool
    output_exceeded: bool
    stdout: str
    stderr: str
    wall_seconds: float
    started: bool = True         # False when the child ended before saying it was ready


class Backend(ABC):
    """Runs a phase job in a child process and reports how it ended."""

    sandboxed: bool = False
    description: str = ""
    streams: bool = False       # phase 2 may run alongside phase 1 (graders.pool.stream)

    @abstractmethod
    def run(self, job: dict, wall_seconds: float, output_bytes: int) -> ChildRun: ...

    def close(self) -> None:
        pass


def child_env(extra: dict | None = None) -> dict:
    """A scrubbed environment: no secrets, no database URL, one thread per library."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(PROJECT_ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1", "TORCH_NUM_THREADS": "1",
        "HOME": "/tmp",
    }
    if os.environ.get("ATEN_CPU_CAPABILITY"):   # which CPU kernels torch uses (tests play other CPUs)
        env["ATEN_CPU_CAPABILITY"] = os.environ["ATEN_CPU_CAPABILITY"]
    env.update(extra or {})
    return env


def watch_child(pid: int, out_fd: int, err_fd: int, ready_fd: int | None, wall_seconds: float,
                output_bytes: int, wait) -> ChildRun:
    """Read the child's output until it exits; kill its process group at the wall-clock limit
    (counted from the ready byte) or when output passes output_bytes. `wait(timeout)` reaps it
    and returns a waitpid status, or None when it has not ended within timeout seconds (a child
    that closed its output early is still held to the wall clock)."""
    start = time.monotonic()
    sel = selectors.DefaultSelector()
    bufs = {out_fd: bytearray(), err_fd: bytearray()}
    for fd in bufs:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    if ready_fd is not None:
        os.set_blocking(ready_fd, False)
        sel.register(ready_fd, selectors.EVENT_READ)
    deadline = start + STARTUP_SECONDS + wall_seconds
    timed_out = exceeded = started = False
    open_fds = set(bufs) | ({ready_fd} if ready_fd is not None else set())
    while open_fds - ({ready_fd} if ready_fd is not None else set()):
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        for key, _ in sel.select(timeout=min(left, 0.5)):
            fd = key.fd
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                sel.unregister(fd)
                open_fds.discard(fd)
                continue
            if fd == ready_fd:
                if not started:
                    deadline = time.monotonic() + wall_seconds
                started = True
                continue
            bufs[fd] += chunk
            if len(bufs[out_fd]) + len(bufs[err_fd]) > output_bytes:
                exceeded = True
        if exceeded:
            break
    sel.close()
    if ready_fd is not None and not started:
        try:
            started = bool(os.read(ready_fd, 16))
        except OSError:
            pass
    status = None
    if not (timed_out or exceeded):
        status = wait(max(0.0, deadline - time.monotonic()))
        timed_out = status is None
    if status is None:
        kill_group(pid)
        status = wait(None)
    wall = time.monotonic() - start
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    def text(b):
        return bytes(b[:output_bytes]).decode("utf-8", "replace")
    return ChildRun(code, sig, timed_out, exceeded, text(bufs[out_fd]), text(bufs[err_fd]), wall,
                    started=started or ready_fd is None)


def kill_group(pid: int) -> None:
    """SIGKILL the child's process group (it leads its own session)."""
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass


class ColdBackend(Backend):
    """A fresh interpreter per job: slow (it imports torch every time) but simple. Not a sandbox:
    only rlimits and the wall clock contain the code."""

    sandboxed = False
    description = "fresh process per job, rlimits and timeouts only (not isolated)"

    def run(self, job: dict, wall_seconds: float, output_bytes: int) -> ChildRun:
        ready_r, ready_w = os.pipe()
        job = {**job, "ready_fd": ready_w}
        proc = subprocess.Popen(
            [sys.executable, "-m", "graders.grading.child"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, cwd=job.get("work_dir") or job["tmp_dir"], env=child_env(),
            start_new_session=True, pass_fds=(ready_w,),
        )
        os.close(ready_w)
        try:
            proc.stdin.write(json.dumps(job).encode())
            proc.stdin.close()
        except BrokenPipeError:
            pass

        def wait(timeout):
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                return None
            rc = proc.returncode
            return (-rc) if rc < 0 else (rc << 8)

        try:
            return watch_child(proc.pid, proc.stdout.fileno(), proc.stderr.fileno(), ready_r,
                               wall_seconds, output_bytes, wait)
        finally:
            os.close(ready_r)
            proc.stdout.close()
            proc.stderr.close()
