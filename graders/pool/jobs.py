"""One job's process tree, forked from a zygote ahead of its job (see graders.spares). Phase 1
in the sandbox: the job process W (trusted: builds the sandbox, copies the results out) makes
a sleeping PID 1 for the new PID namespace and the student process T (in the new root, own uid,
seccomp) before the job comes; then W puts the job's files in and hands the job to T.

Unsandboxed (mode "plain"): W -> T, with rlimits, seccomp and timeouts only. Phase 2: the job
process runs the trusted pytest session itself. As root, the zygote does W's part itself
(graders.zygote_sandbox) and uses T's side and watch_job from here. The run_* functions end
their process.
"""
from __future__ import annotations

import ctypes
import fcntl
import json
import os
import resource
import select
import signal
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from graders import child, sandbox, seccomp, spares, stream, watch
from graders.limits import Limits
from graders.spares import STATUS

READY_FD, REPORT_FD = 3, 4      # fixed fd numbers of the ready pipe and the report to the parent
RESULT_FILE = "result.json"     # graders.phase1 writes it last
INIT_PROGRAM = "/bin/cat"       # PID 1 of a sandbox (see start_init)
_libc = ctypes.CDLL(None, use_errno=True)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def flush_and_exit(code: int) -> None:
    _flush()
    os._exit(code)


def close_output() -> None:
    """Flush and close stdout and stderr: the pool sees the end of the output now."""
    _flush()
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def finish(code: int, report_fd: int | None = REPORT_FD) -> None:
    """End a job process: flush and close its output (the pool sees the end of it now), report
    `code` as its exit status, then exit (the slow part, which nobody waits for)."""
    close_output()
    if report_fd is not None:
        try:
            os.write(report_fd, STATUS.pack((code & 0xFF) << 8))
        except OSError:
            pass
    os._exit(code)


def _die_with_parent(parent: int | None, lifeline: int | None = None) -> None:
    """SIGKILL when the parent dies; exit now if it already has (it is no longer our parent, or
    its end of lifeline is gone: inside a new PID namespace the parent's pid reads as 0)."""
    _libc.prctl(sandbox.PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent is not None and os.getppid() != parent:
        os._exit(70)
    if lifeline is not None:
        if select.select([lifeline], [], [], 0)[0]:
            os._exit(70)
        os.close(lifeline)


def detach(parent: int) -> None:
    """In a freshly forked job process: a session of its own, death with its parent."""
    os.setsid()
    _die_with_parent(parent)


def take_stdio(fds: list[int], report_w: int | None = None, keep: tuple[int, ...] = ()) -> None:
    """stdout and stderr to the pool's pipes, the ready pipe on READY_FD, the report pipe on
    REPORT_FD, nothing else open but keep."""
    out_w, err_w, ready_w = fds
    devnull = os.open("/dev/null", os.O_RDONLY)
    pairs = [(devnull, 0), (out_w, 1), (err_w, 2), (ready_w, READY_FD)]
    if report_w is not None:
        pairs.append((report_w, REPORT_FD))
    for src, dst in pairs:
        os.dup2(src, dst)
    spares.close_all_but({0, 1, 2, READY_FD, *keep} | ({REPORT_FD} if report_w is not None else set()))
    os.umask(0o022)


def signal_ready() -> None:
    child.signal_ready(READY_FD)


def spare_job(kind: str, mode: str, zygote: int, scratch: Path, likely: dict | None = None) -> spares.Spare:
    """Fork the next job process of a zygote, prepared as far as it can be without its job;
    likely: the previous job, whose exercise's public files the sandbox holds ahead."""
    if kind == "trusted":
        return spares.fork(lambda: (spares.set_name("tg-grader"), detach(zygote)), _run_trusted)
    return spares.fork(lambda: _prepare_untrusted(mode, zygote, scratch, likely), _run_untrusted)


def _run_trusted(job: dict, fds: list[int], report_w: int, prepared) -> None:
    try:
        take_stdio(fds, report_w)
        if isinstance(prepared, spares.PrepareFailed):
            print(prepared.text, file=sys.stderr)
            flush_and_exit(70)
        os.chdir(job["tmp_dir"])
        finish(child.run_job({**job, "ready_fd": READY_FD}))
    except BaseException:
        traceback.print_exc()
        flush_and_exit(70)


# ---- phase 1 -----------------------------------------------------------------------------
@dataclass
class _Prepared:
    """W's state while it waits for its job."""

    root: sandbox.Root | None
    init: int | None
    student: spares.Spare
    lifeline: int


def _prepare_untrusted(mode: str, zygote: int, scratch: Path, likely: dict | None) -> _Prepared:
    """W before its job: namespaces, the root (with the public files of the likely job's
    exercise), PID 1 and the waiting student process T."""
    spares.set_name("tg-job")
    detach(zygote)
    life_r, life_w = os.pipe()
    root = init = None
    if mode != "plain":
        sandbox.enter_namespaces(userns=(mode == "userns"))
        root = sandbox.build_root(Limits(), scratch / f"sandbox-{os.getpid()}", mode == "userns")
        sandbox.put_likely(root, likely)
        init = start_init(life_r)
    me = os.getpid()
    student = spares.fork(lambda: prepare_student(root, me, life_r), run_student, keep=(life_r,))
    student.move_fds_above(10)              # clear of the job's fds 0 to 4
    os.close(life_r)
    lifeline = fcntl.fcntl(life_w, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(life_w)
    return _Prepared(root, init, student, lifeline)


def _run_untrusted(job: dict, fds: list[int], report_w: int, prepared) -> None:
    """W once its job came: the job's files into the root, the job to T, wait, copy the results
    out, report T's status."""
    try:
        failed = isinstance(prepared, spares.PrepareFailed)
        take_stdio(fds, report_w, () if failed else (prepared.student.sock.fileno(),
                                                     prepared.student.report_r, prepared.lifeline))
        if failed:
            print(prepared.text, file=sys.stderr)
            flush_and_exit(71)
        limits = Limits(**job["limits"])
        inner = {**job, "ready_fd": READY_FD}
        root = prepared.root
        if root is not None:
            sandbox.fill_root(root, job, limits)
            inner = sandbox.inner_job(inner)
        try:
            finished = watch.ClosedAfterWriting(root.out if root is not None else job["out_dir"])
        except (OSError, AttributeError):   # no inotify (instances used up): wait for T's exit
            finished = None
        if not prepared.student.hand_over(json.dumps(inner).encode(), [1, 2, READY_FD]):
            raise RuntimeError("the student process was gone before its job came")
    except BaseException:
        traceback.print_exc()
        flush_and_exit(71)
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (1, 2, READY_FD):
        os.dup2(devnull, fd)
    student = prepared.student
    status, reaped = watch_job(job, limits, root, student, finished, prepared.init)
    os.write(REPORT_FD, STATUS.pack(status))
    os.close(REPORT_FD)
    if root is None:
        os.killpg(0, signal.SIGKILL)        # unsandboxed: T and what it left run in W's group
    for pid in (None if reaped else student.pid, prepared.init):
        try:
            if pid is not None:
                os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    if root is not None:
        sandbox.remove_root(root)
    os._exit(0)


def watch_job(job: dict, limits: Limits, root: sandbox.Root | None, student: spares.Spare,
              finished: watch.ClosedAfterWriting | None, init: int | None) -> tuple[int, bool]:
    """Wait for the student process T of a job, copying each seed's trace out as soon as T
    renames it into /out (phase 2 may start on it); then end the sandbox (its PID 1 killed: the
    kernel kills all that T left behind) and copy out the rest. Returns (T's status, whether T
    was reaped). T's (slow) exit is not waited for, and nothing in the sandbox runs any more
    when the outputs are copied (a killed process does not return to user code)."""
    collected: set[int] = set()
    seeds = {stream.seed_folder(s): int(s) for s in job["seeds"]}

    def arrived(name: str) -> None:         # a seed's trace is whole: out to phase 2 now
        if root is not None and name in seeds:
            sandbox.collect_seed(root, job, seeds[name], limits.trace_mb << 20, collected)
    status, reaped = _wait_student(student, finished, arrived)
    if root is not None:
        os.kill(init, signal.SIGKILL)
        if not reaped:
            os.kill(student.pid, signal.SIGKILL)
        sandbox.collect_outputs(root, job, limits.trace_mb << 20, collected)
    return status, reaped


def _wait_student(student: spares.Spare, finished: watch.ClosedAfterWriting | None,
                  arrived=lambda name: None) -> tuple[int, bool]:
    """Wait until T has written its result.json (its last act; then it counts as exited with
    status 0, and its slow exit is not waited for) or has ended: (status, whether T was reaped).
    arrived(name) for each other file or folder T renames into /out meanwhile. T holds no
    channel back to W: student code could write into it."""
    student.discard()
    try:
        pidfd = os.pidfd_open(student.pid)
    except (OSError, AttributeError):       # Linux < 5.3: wait for T's exit
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


def start_init(lifeline: int, own_group: bool = False) -> int:
    """PID 1 of the new PID namespace: a placeholder, so that T is an ordinary process there
    (signals behave as usual) and killing PID 1 ends everything T started. It is `cat` reading
    the lifeline, which nobody writes: when W ends, however it ends, the pipe's last writer is
    gone, cat reads end-of-file and exits, and the kernel kills the rest of the sandbox.
    Spawned without a copy of W's memory (posix_spawn: no page tables copied, nothing to undo
    at exec); it keeps W's process group, so killing that group takes the sandbox too (or, with
    own_group, leads a group of its own: for sandboxes without W, see graders.zygote_sandbox)."""
    group = {"setpgroup": 0} if own_group else {}
    return os.posix_spawn(INIT_PROGRAM, ["cat"], {}, file_actions=[
        (os.POSIX_SPAWN_DUP2, lifeline, 0),
        (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ], setsigdef=(signal.SIGPIPE, signal.SIGINT, signal.SIGTERM, signal.SIGHUP), **group)


def prepare_student(root: sandbox.Root | None, parent: int, lifeline: int) -> bool:
    """T before its job: in the sandbox, enter the new root and drop privileges; seccomp.
    Returns whether T is sandboxed."""
    spares.set_name("tg-student")
    if root is not None:                # (unsandboxed, T stays in W's group: one kill ends both)
        os.setsid()
        sandbox.enter_root(root)
        sandbox.drop_privileges(root)
    _die_with_parent(None if root is not None else parent, lifeline)   # after the uid change,
    # which clears the death signal
    for lim in (resource.RLIMIT_MEMLOCK, resource.RLIMIT_MSGQUEUE):
        resource.setrlimit(lim, (0, 0))
    if seccomp.supported():
        seccomp.install()
    elif root is not None:
        raise sandbox.SandboxError(0, "no seccomp filter for this machine")
    return root is not None


def run_student(job: dict, fds: list[int], report_w: int, prepared) -> None:
    """T once its job came (inside the sandbox): the pool's pipes, the process limit, phase 1.
    T keeps no report pipe (W watches for result.json instead): nothing to write into."""
    try:
        out_w, err_w, ready_w = fds
        stdin = os.open("/dev/null", os.O_RDONLY)
        for src, dst in ((stdin, 0), (out_w, 1), (err_w, 2), (ready_w, READY_FD)):
            os.dup2(src, dst)
        spares.close_all_but({0, 1, 2, READY_FD})
        if isinstance(prepared, spares.PrepareFailed):
            print(prepared.text, file=sys.stderr)
            flush_and_exit(72)
        if prepared or os.getuid() != 0:      # (root ignores it: only sandboxed or unprivileged)
            nproc = Limits(**job["limits"]).processes + 1
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        os.chdir(job["work_dir"])
        job = {**job, "ready_fd": READY_FD}
    except BaseException:
        traceback.print_exc()
        flush_and_exit(72)
    try:
        from graders import phase1
        phase1.run(job, on_ready=signal_ready, on_done=close_output)
        code = 0
    except BaseException:
        code = 1
    finish(code, None)
