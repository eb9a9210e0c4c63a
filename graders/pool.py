"""The warm pool: a `Backend` that forks each job from a zygote that has already imported and
warmed up torch and pytest, so a grading takes tens of milliseconds instead of seconds.

Phase-1 jobs go to "untrusted" zygotes (their children build the sandbox), phase-2 jobs to
separate "trusted" zygotes. Up to one zygote of each kind per core; a zygote that dies is
replaced and its job run once more, then failed with a PoolError.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from graders import sandbox
from graders.backends import PROJECT_ROOT, Backend, ChildRun, child_env, kill_group, watch_child
from graders.errors import GradingError

STARTUP_SECONDS = 300.0     # a zygote imports torch and warms up; slow on a loaded machine
REPLY_SECONDS = 60.0
SETUP_FAILED = {70, 71, 72}  # exit codes of isolate.py when the sandbox could not be set up
ALLOW_ENV = "TRACEGRADE_ALLOW_UNSANDBOXED"


class PoolError(GradingError):
    """The pool could not run a job (not the student's fault)."""


class ZygoteDied(Exception):
    """The zygote went away; `accepted` says whether it had started the job."""

    accepted = False


def cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


class Zygote:
    """One warm interpreter (a child process) and the socket to it."""

    def __init__(self, kind: str, mode: str):
        self.kind, self.mode, self.ready = kind, mode, False
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "graders.zygote", str(theirs.fileno()), kind, mode],
            pass_fds=(theirs.fileno(),), env=child_env({"PYTHONPATH": str(PROJECT_ROOT)}), cwd="/",
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
        )
        theirs.close()
        self.pid = self.proc.pid

    def _recv(self, timeout: float | None) -> dict | None:
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1 << 20)
        except socket.timeout:
            return None
        except OSError as e:
            raise ZygoteDied(f"lost the zygote ({e})") from None
        if not data:
            raise ZygoteDied(f"the zygote exited ({self.proc.poll()}){self.tail()}")
        return json.loads(data)

    def tail(self) -> str:
        try:
            self.log.seek(0)
            text = self.log.read()[-3000:].decode("utf-8", "replace").strip()
        except OSError:
            return ""
        return f":\n{text}" if text else ""

    def wait_ready(self) -> None:
        if self.ready:
            return
        msg = self._recv(STARTUP_SECONDS)
        if not msg or not msg.get("ready"):
            raise ZygoteDied(f"the zygote did not start{self.tail()}")
        self.ready = True

    def run(self, job: dict, wall_seconds: float, output_bytes: int) -> ChildRun:
        self.wait_ready()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        ready_r, ready_w = os.pipe()
        try:
            try:
                socket.send_fds(self.sock, [json.dumps(job).encode()], [out_w, err_w, ready_w])
            except OSError as e:
                raise ZygoteDied(f"could not send the job ({e})") from None
            finally:
                for fd in (out_w, err_w, ready_w):
                    os.close(fd)
            msg = self._recv(REPLY_SECONDS)
            if msg is None or "pid" not in msg:
                raise ZygoteDied(f"the zygote refused the job: {msg}")
            pid = msg["pid"]

            def wait(timeout):
                end = self._recv(timeout)
                if end is None:
                    return None
                return end["status"] if end.get("inner") is None else end["inner"]

            try:
                return watch_child(pid, out_r, err_r, ready_r, wall_seconds, output_bytes, wait)
            except ZygoteDied as e:
                kill_group(pid)
                e.accepted = True
                raise
        finally:
            for fd in (out_r, err_r, ready_r):
                os.close(fd)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        self.sock.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.log.close()


class WarmPool(Backend):
    """Warm zygotes for both phases; phase 1 sandboxed when the machine allows it."""

    def __init__(self, size: int | None = None, sandbox_mode: str = "auto", start: int = 1):
        """size: zygotes of each kind at most (default: one per core). sandbox_mode: "auto"
        (sandbox when available), "require" (PoolError when not), or "off" (rlimits, seccomp
        and timeouts only). start: zygotes of each kind started now (the rest on demand)."""
        avail = sandbox.probe() if sandbox_mode != "off" else None
        if sandbox_mode == "require" and not avail.available:
            raise PoolError(f"the sandbox is not available here: {avail.reason}")
        if avail is not None and avail.available:
            self.mode = "userns" if avail.userns else "sandbox"
        else:
            self.mode = "plain"
        self.sandboxed = self.mode != "plain"
        self.availability = avail
        why = f" ({avail.reason})" if avail is not None and not avail.available else ""
        self.description = ("warm pool, phase 1 in a namespace sandbox with seccomp" if self.sandboxed
                            else f"warm pool, rlimits and timeouts only (not isolated){why}")
        self.size = size or cores()
        self._cond = threading.Condition()
        self._idle: dict[str, list[Zygote]] = {"untrusted": [], "trusted": []}
        self._count = {"untrusted": 0, "trusted": 0}
        self._all: set[Zygote] = set()
        self._closed = False
        for _ in range(min(start, self.size)):
            for kind in self._idle:
                self._release(self._start(kind))

    def wait_ready(self) -> None:
        """Block until every zygote started so far has warmed up (PoolError if one failed)."""
        with self._cond:
            zygotes = list(self._all)
        for z in zygotes:
            try:
                z.wait_ready()
            except ZygoteDied as e:
                raise PoolError(f"a grading worker failed to start: {e}") from None

    def _start(self, kind: str) -> Zygote:
        with self._cond:
            self._count[kind] += 1
        try:
            z = Zygote(kind, self.mode)
        except BaseException:
            with self._cond:
                self._count[kind] -= 1
                self._cond.notify_all()
            raise
        with self._cond:
            self._all.add(z)
        return z

    def _acquire(self, kind: str) -> Zygote:
        with self._cond:
            while True:
                if self._closed:
                    raise PoolError("the pool is closed")
                while self._idle[kind]:
                    z = self._idle[kind].pop()
                    if z.alive():
                        return z
                    self._discard_locked(z)
                if self._count[kind] < self.size:
                    break
                self._cond.wait()
        return self._start(kind)

    def _release(self, z: Zygote) -> None:
        with self._cond:
            if z.alive() and not self._closed:
                self._idle[z.kind].append(z)
            else:
                self._discard_locked(z)
            self._cond.notify_all()

    def _discard_locked(self, z: Zygote) -> None:
        if z in self._all:
            self._all.discard(z)
            self._count[z.kind] -= 1
        z.close()

    def run(self, job: dict, wall_seconds: float, output_bytes: int) -> ChildRun:
        kind = "untrusted" if job["phase"] == 1 else "trusted"
        failures, started = [], 0
        while started < 2 and len(failures) < 2 * self.size + 2:
            z = self._acquire(kind)
            try:
                run = z.run(job, wall_seconds, output_bytes)
            except ZygoteDied as e:
                failures.append(str(e))
                started += e.accepted
                with self._cond:
                    self._discard_locked(z)
                    self._cond.notify_all()
                _clear_outputs(job)
                continue
            self._release(z)
            if not run.started and run.returncode in SETUP_FAILED:
                raise PoolError(f"the {'sandbox' if kind == 'untrusted' else 'grader process'} could "
                                f"not start:\n{run.stderr[-3000:]}")
            return run
        what = "died twice while running this job" if started >= 2 else "kept failing to start"
        raise PoolError(f"the grading worker {what}; it was not graded. Details: " + " | ".join(failures))

    def close(self) -> None:
        with self._cond:
            self._closed = True
            for z in list(self._all):
                if z in self._idle[z.kind]:
                    self._discard_locked(z)
            self._idle = {"untrusted": [], "trusted": []}
            self._cond.notify_all()

    def zygote_pids(self, kind: str | None = None) -> list[int]:
        """The process ids of the zygotes ("untrusted", "trusted" or both), for monitoring."""
        with self._cond:
            return sorted(z.pid for z in self._all if kind in (None, z.kind))


def _clear_outputs(job: dict) -> None:
    """Remove what a lost run may have written, before the job runs again."""
    if job["phase"] == 1:
        out = Path(job["out_dir"])
        for p in out.iterdir() if out.is_dir() else ():
            shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
    else:
        Path(job["results_file"]).unlink(missing_ok=True)


def allow_unsandboxed() -> bool:
    return os.environ.get(ALLOW_ENV) == "1"


def require_sandbox() -> sandbox.Availability:
    """For the server: raise PoolError unless phase 1 can be sandboxed here, or unsandboxed
    grading was allowed explicitly with TRACEGRADE_ALLOW_UNSANDBOXED=1."""
    avail = sandbox.probe()
    if not avail.available and not allow_unsandboxed():
        raise PoolError(f"Student code cannot be isolated on this machine ({avail.reason}). "
                        f"Run the server where Linux namespaces are available (as root, or with "
                        f"unprivileged user namespaces enabled), or set {ALLOW_ENV}=1 to grade "
                        f"without isolation.")
    return avail


def make_default_backend() -> Backend:
    """What `Grader()` uses: the warm pool, sandboxed wherever the machine allows it."""
    return WarmPool()
