"""Phase-1 sandboxes kept by the untrusted zygote itself (as root, no keeper process): it enters
new namespaces, builds the root, starts PID 1 and forks the student process there, returns with
setns, and later hands the student process its job and watches it. One fork and exit less.

The zygote's memory is what every later student process is forked from, so nothing of a job's
data passes through it: files are copied by the kernel (sendfile), output goes straight to the
pool's pipes. Rootless (userns) and unsandboxed modes keep the keeper (graders.pool.jobs): a
process cannot go back to the user namespace it came from.
"""
from __future__ import annotations

import json
import os
import select
import signal
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from graders.format.limits import Limits
from graders.pool import jobs, spares
from graders.sandbox import root as sandbox_root
from graders.sandbox.contain import prepare_student, start_init
from graders.sandbox.inotify import ClosedAfterWriting
from graders.sandbox.namespaces import Home, enter_namespaces
from graders.sandbox.syscalls import CLONE_NEWNS, setns
from graders.sandbox.watch import watch_job

FAILED = 71 << 8            # the status a keeper process that failed reports


@dataclass
class Sandbox:
    """A sandbox prepared ahead of its job: the student process waits in it for the job."""

    root: sandbox_root.Root
    mnt: int                # its mount namespace (an fd), where the root is mounted
    init: int               # its PID 1, leader of a process group of its own
    student: spares.Spare
    lifeline: int           # PID 1 reads the other end: it exits when the zygote goes
    student_fd: int | None  # a pidfd of the student process: readable if it dies waiting


def prepare(scratch: Path, likely: dict | None, home: Home) -> Sandbox:
    """Build the next sandbox: new namespaces, PID 1, the root (holding the likely exercise's
    public files ahead), the student process forked into it; then back home."""
    life_r, life_w = os.pipe()
    init = mnt = None
    try:
        try:
            enter_namespaces(userns=False)
            init = start_init(life_r, own_group=True)
            root = sandbox_root.build_root(Limits(), scratch / f"sandbox-{init}", False,
                                           uid=sandbox_root.UID_BASE + init)
            sandbox_root.put_likely(root, likely)
            mnt = os.open("/proc/self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
            me = os.getpid()
            student = spares.fork(lambda: prepare_student(root, me, life_r),
                                  jobs.run_student, keep=(life_r,))
        finally:
            home.back()
    except BaseException:
        os.close(life_w)                    # PID 1 ends, and with it all it holds
        if mnt is not None:
            os.close(mnt)
        if init is not None:
            _end(init)
        raise
    finally:
        os.close(life_r)
    try:
        student_fd = os.pidfd_open(student.pid)
    except OSError:                         # (Linux < 5.3: checked when its job comes)
        student_fd = None
    return Sandbox(root, mnt, init, student, life_w, student_fd)


def _close(box: Sandbox) -> None:
    for fd in (box.lifeline, box.mnt, box.student_fd):
        if fd is not None:
            os.close(fd)


def _end(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


class Leftovers:
    """A zygote's children that have done their part (PID 1s, student processes): reaped as
    they end, while the zygote waits for its next job, so that none lingers as a zombie. (The
    zygote removes a reaped PID 1's mount point after the next job: zygote._remove_empty.)"""

    def __init__(self):
        self.pidfds = {}

    def add(self, pid: int) -> None:
        try:
            self.pidfds[pid] = os.pidfd_open(pid)
        except OSError:                     # (Linux < 5.3) reaped when the next job comes
            self.pidfds[pid] = None

    def reap(self) -> None:
        for pid, fd in list(self.pidfds.items()):
            try:
                done = os.waitpid(pid, os.WNOHANG)[0]
            except ChildProcessError:
                done = pid
            if done:
                del self.pidfds[pid]
                if fd is not None:
                    os.close(fd)

    def wait_for(self, sock, box) -> bool:
        """Wait until sock is readable (the next job: True), reaping leftovers as they end;
        False as soon as the prepared sandbox box (if it is one) is found dead, also when the
        job is already there (the job then gets a fresh sandbox)."""
        spare = [box.student_fd] if isinstance(box, Sandbox) and box.student_fd is not None else []
        while True:
            self.reap()
            if isinstance(box, Sandbox) and not usable(box):
                return False
            fds = [fd for fd in self.pidfds.values() if fd is not None]
            if sock in select.select([sock, *spare, *fds], [], [])[0]:
                return not isinstance(box, Sandbox) or usable(box)


def usable(box: Sandbox) -> bool:
    """Whether a prepared sandbox's PID 1 and student process are still there (nobody killed them waiting).
    Reaps neither: a pid stays ours to signal until it is reaped (see Leftovers)."""
    for pid in (box.init, box.student.pid):
        try:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return False
        except ChildProcessError:
            return False
    return True


def discard(box: Sandbox, leftovers: Leftovers) -> None:
    """Let a prepared sandbox go unused: PID 1 is killed (not reaped yet, so still ours to
    signal), which ends the student process and all else inside."""
    _close(box)
    box.student.discard()
    os.kill(box.init, signal.SIGKILL)
    leftovers.add(box.init)
    leftovers.add(box.student.pid)


def run_in_sandbox(sock, box: Sandbox, message: bytes, fds: list[int], make_spare,
                   leftovers: Leftovers, home: Home, events: ClosedAfterWriting):
    """One job in a prepared sandbox: its files in, the job to the student process, the pool
    told PID 1's pid (its group is what the pool kills at the wall clock), the next sandbox
    prepared while the student process runs, then it is watched and its outputs copied out,
    and the pool told how it ended. Returns the next sandbox (or whatever make_spare gave)."""
    job = json.loads(message)
    limits = Limits(**job["limits"])
    failure, reaped = None, False
    try:
        setns(box.mnt, CLONE_NEWNS)
        sandbox_root.fill_root(box.root, job, limits)
        inner = sandbox_root.inner_job({**job, "ready_fd": jobs.READY_FD})
        try:
            events.watch(box.root.out)
            finished = events
        except OSError:                     # no inotify watch left: wait for its exit
            finished = None
        handed = box.student.hand_over(json.dumps(inner).encode(), fds)
        del inner       # (the next student process is forked from here: not its business)
        if not handed:
            raise RuntimeError("the student process was gone before its job came")
    except BaseException:
        failure = traceback.format_exc()
        _say(fds[1], failure)
    finally:
        home.back()
        for fd in fds:
            os.close(fd)
    sock.send(json.dumps({"pid": box.init}).encode())
    following = make_spare()                # while the student process runs (other core)
    status = FAILED
    if failure is None:
        try:
            setns(box.mnt, CLONE_NEWNS)
            status, reaped = watch_job(job, limits, box.root, box.student, finished, box.init)
        except BaseException:
            traceback.print_exc()
        finally:
            home.back()
    if status == FAILED:        # PID 1 (a zombie at worst: not reaped yet) takes the student along
        os.kill(box.init, signal.SIGKILL)
    sock.send(json.dumps({"status": status, "inner": status}).encode())
    events.unwatch()
    _close(box)
    leftovers.add(box.init)
    if not reaped:
        leftovers.add(box.student.pid)
    return following


def _say(fd: int, text: str) -> None:
    """Write text to the job's stderr pipe (what the student sees of a sandbox that failed)."""
    try:
        os.write(fd, text.encode("utf-8", "replace")[:65536])
    except OSError:
        print(text, file=sys.stderr)
