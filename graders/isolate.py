"""One job's process tree, forked from a zygote. Phase 1 in the sandbox: the job process W
(trusted: builds the sandbox, copies the results out) forks a sleeping PID 1 for the new PID
namespace and the student process T (pivots into the new root, own uid, rlimits, seccomp).

Unsandboxed (mode "plain"): W -> T, with rlimits, seccomp and timeouts only. Phase 2: W runs the
trusted pytest session itself. Every function here ends its process with os._exit.
"""
from __future__ import annotations

import ctypes
import os
import resource
import select
import signal
import struct
import sys
import traceback
from pathlib import Path

from graders import child, sandbox, seccomp
from graders.limits import Limits

READY_FD, REPORT_FD = 3, 4      # fixed fd numbers of the ready pipe and W's report to the zygote
STATUS = struct.Struct("=i")
_libc = ctypes.CDLL(None, use_errno=True)


def flush_and_exit(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)



def _die_with_parent(lifeline: int | None) -> None:
    """SIGKILL when the parent dies; exit now if it already has (its end of lifeline is gone)."""
    _libc.prctl(sandbox.PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if lifeline is not None:
        if select.select([lifeline], [], [], 0)[0]:
            os._exit(70)
        os.close(lifeline)


def _keep_only(fds: set[int]) -> None:
    """Close every file descriptor not in fds."""
    top = 3
    for fd in sorted(fds) + [1 << 20]:
        if fd >= top:
            os.closerange(top, fd)
            top = fd + 1


def take_stdio(fds: list[int], parent: int, report_w: int | None = None) -> None:
    """In a freshly forked job process: a session of its own, death with its parent, stdout and
    stderr to the pool's pipes, the ready pipe on READY_FD, nothing else open."""
    os.setsid()
    _libc.prctl(sandbox.PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(70)
    out_w, err_w, ready_w = fds
    devnull = os.open("/dev/null", os.O_RDONLY)
    pairs = [(devnull, 0), (out_w, 1), (err_w, 2), (ready_w, READY_FD)]
    if report_w is not None:
        pairs.append((report_w, REPORT_FD))
    for src, dst in pairs:
        os.dup2(src, dst)
    _keep_only({0, 1, 2, READY_FD} | ({REPORT_FD} if report_w is not None else set()))
    os.umask(0o022)


def signal_ready() -> None:
    child.signal_ready(READY_FD)


def start_job(job: dict, kind: str, mode: str, fds: list[int], report_w: int, zygote: int) -> None:
    """In the freshly forked W: stdio from the pool's pipes, a session of its own, then the job."""
    try:
        take_stdio(fds, zygote, report_w)
        job = {**job, "ready_fd": READY_FD}
        if kind == "trusted":
            os.close(REPORT_FD)
            os.chdir(job["tmp_dir"])
            flush_and_exit(child.run_job(job))
        run_untrusted(job, mode)
    except BaseException:
        traceback.print_exc()
        flush_and_exit(70)


def run_untrusted(job: dict, mode: str) -> None:
    """W for phase 1: set up (or not) the sandbox, fork T, wait, copy results, report T's status."""
    limits = Limits(**job["limits"])
    life_r, life_w = os.pipe()
    root = None
    if mode != "plain":
        sandbox.enter_namespaces(userns=(mode == "userns"))
        root = sandbox.build_root(job, limits, Path(job["tmp_dir"]) / "sandbox", mode == "userns")
        init = _start_init(life_r)
    else:
        os.chdir(job["work_dir"])
    pid = os.fork()
    if pid == 0:
        os.close(life_w)
        os.close(REPORT_FD)
        _student(job, root, limits, life_r)
    os.close(life_r)
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (1, 2, READY_FD):
        os.dup2(devnull, fd)
    _, status = os.waitpid(pid, 0)
    if root is not None:
        os.kill(init, signal.SIGKILL)       # PID 1 goes: the kernel kills all that T left behind
        os.waitpid(init, 0)
        sandbox.collect_outputs(root, job, limits.trace_mb << 20)
    os.write(REPORT_FD, STATUS.pack(status))
    os.close(life_w)
    os._exit(0)


def _start_init(lifeline: int) -> int:
    """PID 1 of the new PID namespace: a placeholder that only sleeps (it execs `sleep`, so it
    holds no copy of this process's memory), so that T is an ordinary process there: signals
    behave as usual, and killing PID 1 ends everything T started."""
    pid = os.fork()
    if pid == 0:
        try:
            _die_with_parent(lifeline)
            _keep_only(set())
            for fd in (0, 1, 2):
                os.close(fd)
            os.execv("/bin/sleep", ["sleep", "infinity"])
        except BaseException:
            pass
        while True:
            signal.pause()
    return pid


def _student(job: dict, root, limits: Limits, lifeline: int) -> None:
    """T: in the sandbox, enter the new root and drop privileges; then rlimits and seccomp,
    then phase 1."""
    try:
        _keep_only({0, 1, 2, READY_FD, lifeline})
        if root is not None:                # (unsandboxed, T stays in W's group: one kill ends both)
            os.setsid()
            sandbox.enter_root(root)
            sandbox.drop_privileges(root)
            job = sandbox.inner_job(job)
        _die_with_parent(lifeline)       # after the uid change, which clears the death signal
        if root is not None or os.getuid() != 0:
            nproc = limits.processes + 1
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        for lim in (resource.RLIMIT_MEMLOCK, resource.RLIMIT_MSGQUEUE):
            resource.setrlimit(lim, (0, 0))
        if seccomp.supported():
            seccomp.install()
    except BaseException:
        traceback.print_exc()
        flush_and_exit(72)
    try:
        code = child.run_job(job)
    except BaseException:
        code = 1
    flush_and_exit(code)
