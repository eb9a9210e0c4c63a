"""A pool of one, in this interpreter: the Backend `tracegrade grade` uses for one file. This
process imports torch once; its two zygotes are forks of it instead of fresh interpreters.

`InlinePool` is the one-shot warm pool (graders.pool.warm: one zygote of each kind, no warm-up,
no grader session, phase 2 after phase 1) whose zygotes are forked from this process after torch
is imported. Each then runs the zygote program's own loop (graders.pool.zygote.serve): the
untrusted one builds phase 1's sandbox and student process (graders.pool.zygote_sandbox, or a
keeper: graders.pool.jobs) and copies the traces out (graders.sandbox.copyout); the trusted one
imports pytest (while phase 1 runs) and runs phase 2 in a keeper's grader sandbox
(graders.sandbox.grader_view) once the student process is gone. Same sandboxes, same verdicts.

Forking needs a single-threaded process, and numpy's OpenBLAS starts its threads as soon as it is
loaded: call `prepare_interpreter` before anything imports torch. `InlineUnavailable` says when
that did not happen (grade through the plain pool then).
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
import traceback

from graders.pool.backends import child_env
from graders.pool.handles import WarmProcess
from graders.pool.heap import threads
from graders.pool.warm import PoolError, WarmPool
from graders.sandbox import availability

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "NUMEXPR_NUM_THREADS", "TORCH_NUM_THREADS")
_probe: threading.Thread | None = None


class InlineUnavailable(PoolError):
    """This interpreter cannot fork zygotes safely (it runs more than one thread)."""


def prepare_interpreter(probe: bool = True) -> None:
    """Before torch (and numpy) is imported: one thread per numeric library, as in a zygote's
    environment (graders.pool.backends.child_env); and (probe) the sandbox probe (a short-lived
    interpreter, graders.sandbox.availability) started in a thread, so that it runs while
    torch is imported (InlinePool waits for it before it forks)."""
    global _probe
    env = child_env()
    for name in THREAD_VARS:
        os.environ[name] = env[name]
    if probe and _probe is None and sys.platform.startswith("linux"):
        _probe = threading.Thread(target=availability.probe, name="tg-probe", daemon=True)
        _probe.start()


def _single_threaded(within: float = 2.0) -> bool:
    """Whether this process runs one thread (the probe's thread, once joined, may take a moment
    to leave /proc/self/task)."""
    if _probe is not None:
        _probe.join()
    end = time.monotonic() + within
    while threads() != 1:
        if time.monotonic() > end:
            return False
        time.sleep(0.001)
    return True


class InlinePool(WarmPool):
    """The one-shot pool with zygotes forked from this process (see the module doc)."""

    def __init__(self, sandbox_mode: str = "auto"):
        from graders.pool import zygote

        if not sys.platform.startswith("linux"):
            raise InlineUnavailable("zygotes are forked from this process on Linux only")
        if not _single_threaded():
            raise InlineUnavailable(f"this process runs {threads()} threads (torch was imported "
                                    f"before prepare_interpreter); it cannot fork zygotes")
        zygote.import_only("untrusted")     # torch single-threaded, the shortcut, phase 1's modules
        if threads() != 1:
            raise InlineUnavailable(f"importing torch left {threads()} threads in this process")
        self._started = False
        super().__init__(size=1, sandbox_mode=sandbox_mode, start=1, use_sessions=False, warm=False)
        self._started = True
        self.description = self.description.replace("warm pool", "one interpreter (zygotes forked)")

    def _new_zygote(self, kind: str) -> WarmProcess:
        """A zygote forked from here while the pool starts; later (one that died is replaced)
        a fresh interpreter's (graders.pool.handles), as this process may by then hold a
        submission, a solution's hash or hidden traces' metadata."""
        if self._started:
            return super()._new_zygote(kind)
        with self._cond:
            self._serial += 1
            folder = self._scratch / f"zygote-{self._serial}"
        folder.mkdir(mode=0o700)
        return ForkedZygote(kind, self.mode, str(folder))

    def zygote_pids(self, kind: str | None = None) -> list[int]:
        """The process ids of the live zygotes, forked ones included."""
        with self._cond:
            return sorted(w.pid for w, slot in self._all.items()
                          if not slot.startswith("session:") and kind in (None, slot) and w.alive())


class ForkedZygote(WarmProcess):
    """A zygote forked from this process: what graders.pool.zygote's main() does after its
    imports, minus the interpreter's start and torch's import (see graders.pool.handles)."""

    def __init__(self, kind: str, mode: str, scratch: str):
        import socket

        if threads() != 1:
            raise InlineUnavailable(f"this process runs {threads()} threads; it cannot fork")
        self.kind, self.mode = kind, mode
        self.log = tempfile.TemporaryFile()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        sys.stdout.flush()          # (a copy of what is buffered would reach a job's output)
        sys.stderr.flush()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            _zygote(theirs, kind, mode, scratch, self.log.fileno(), parent)
        theirs.close()
        self._reaped = None
        super().__init__(ours, pid)

    def alive(self) -> bool:
        if self._reaped is None:
            try:
                if os.waitpid(self.pid, os.WNOHANG)[0]:
                    self._reaped = True
            except ChildProcessError:
                self._reaped = True
        return not self._reaped

    def close(self) -> None:
        """Close its socket: the zygote sees the end of it and exits (not waited for: it may
        still be tearing a sandbox down, and it dies with this process)."""
        super().close()
        self.alive()                # (reaped if it has ended)
        self.log.close()


def forget_environment() -> None:
    """In a forked zygote: a zygote's environment (graders.pool.backends.child_env) in place of
    the one this interpreter started with, whose bytes are overwritten (the block the kernel
    shows as /proc/self/environ, and Python's copy of it), so that no job process forked from
    here finds the secrets of the shell that ran `tracegrade`."""
    import ctypes
    import posix

    old = list(posix.environ.values())      # (os.environ's own data: cleared below)
    os.environ.clear()
    os.environ.update(child_env())
    data = sys.getsizeof(b"") - 1           # where a bytes object's bytes start
    while old:
        value = old.pop()
        if len(value) > 1 and sys.getrefcount(value) <= 2:      # (value, the call): no other
            ctypes.memset(id(value) + data, 0, len(value))      # holder sees it change
        del value
    try:
        with open("/proc/self/stat", "rb") as f:
            fields = f.read().rpartition(b")")[2].split()
        start, end = int(fields[47]), int(fields[48])           # env_start, env_end
    except (OSError, ValueError, IndexError):
        return
    if 0 < start < end:
        ctypes.memset(start, 0, end - start)


def _zygote(sock, kind: str, mode: str, scratch: str, log_fd: int, parent: int) -> None:
    """In the forked child: the zygote's set-up (graders.pool.zygote.main, after its imports
    of torch: a zygote's environment, its log as stdout and stderr, cwd /), its kind's imports,
    the ready message, then its job loop. Ends the process."""
    from pathlib import Path

    from graders.pool import spares, zygote
    from graders.sandbox.contain import die_with_parent
    from graders.sandbox.syscalls import set_process_name

    try:
        null = os.open("/dev/null", os.O_RDONLY)
        for src, dst in ((null, 0), (log_fd, 1), (log_fd, 2)):
            os.dup2(src, dst)
        spares.close_all_but({0, 1, 2, sock.fileno()})
        forget_environment()
        die_with_parent(parent)
        set_process_name(f"tg-zygote-{kind[0]}")
        os.chdir("/")
        zygote.import_only(kind)
        sock.send(json.dumps({"ready": True, "pid": os.getpid(), "threads": threads()}).encode())
        zygote.serve(sock, kind, mode, Path(scratch))
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(0)
