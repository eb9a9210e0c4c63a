"""Phase-1 sandboxes built by the untrusted zygote itself (as root, no job process W): it enters
new namespaces, builds the root, starts PID 1 and forks the student process T there, returns
with setns, and later hands T its job and watches it. One fork and exit of the zygote less.

The zygote's memory is what every later T is forked from, so nothing of a job's data passes
through it: files are copied by the kernel (sendfile), output goes straight to the pool's pipes.
Rootless (userns) and unsandboxed modes keep W (graders.isolate): a process cannot go back to
the user namespace it came from.
"""
from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from graders import isolate, sandbox, spares, watch
from graders.limits import Limits

NAMESPACES = (("mnt", sandbox.CLONE_NEWNS), ("net", sandbox.CLONE_NEWNET),
              ("ipc", sandbox.CLONE_NEWIPC), ("uts", sandbox.CLONE_NEWUTS),
              ("pid", sandbox.CLONE_NEWPID))
FAILED = 71 << 8            # the status a job process W that failed reports
_libc = ctypes.CDLL(None, use_errno=True)


def setns(fd: int, nstype: int) -> None:
    if _libc.setns(fd, nstype) != 0:
        e = ctypes.get_errno()
        raise sandbox.SandboxError(e, f"setns: {os.strerror(e)}")


class Home:
    """The zygote's own namespaces, to come back to from a sandbox's."""

    def __init__(self):
        self.fds = [(os.open(f"/proc/self/ns/{name}", os.O_RDONLY | os.O_CLOEXEC), flag)
                    for name, flag in NAMESPACES]

    def back(self) -> None:
        """Back into every namespace of the zygote; a zygote that cannot ends (the pool starts
        another): it must never fork student processes from the wrong place."""
        try:
            for fd, flag in self.fds:
                setns(fd, flag)
            os.chdir("/")
        except BaseException:
            traceback.print_exc()
            os._exit(75)


@dataclass
class Sandbox:
    """A sandbox prepared ahead of its job: T waits in it for the job."""

    root: sandbox.Root
    mnt: int                # its mount namespace (an fd), where the root is mounted
    init: int               # its PID 1, leader of a process group of its own
    student: spares.Spare
    lifeline: int           # PID 1 reads the other end: it exits when the zygote goes
    student_fd: int | None  # a pidfd of T: readable if T dies waiting (PID 1 killed, say)


def prepare(scratch: Path, likely: dict | None, home: Home) -> Sandbox:
    """Build the next sandbox: new namespaces, PID 1, the root (holding the likely exercise's
    public files ahead), T forked into it; then back home."""
    life_r, life_w = os.pipe()
    init = mnt = None
    try:
        try:
            sandbox.enter_namespaces(userns=False)
            init = isolate.start_init(life_r, own_group=True)
            root = sandbox.build_root(Limits(), scratch / f"sandbox-{init}", False,
                                      uid=sandbox.UID_BASE + init)
            sandbox.put_likely(root, likely)
            mnt = os.open("/proc/self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
            me = os.getpid()
            student = spares.fork(lambda: isolate.prepare_student(root, me, life_r),
                                  isolate.run_student, keep=(life_r,))
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
    """Whether a prepared sandbox's PID 1 and T are still there (nobody killed them waiting).
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
    signal), which ends T and all else inside."""
    _close(box)
    box.student.discard()
    os.kill(box.init, signal.SIGKILL)
    leftovers.add(box.init)
    leftovers.add(box.student.pid)


def run_job(sock, box: Sandbox, message: bytes, fds: list[int], make_spare, leftovers: Leftovers,
            home: Home, events: watch.ClosedAfterWriting):
    """One job in a prepared sandbox: its files in, the job to T, the pool told PID 1's pid (its
    group is what the pool kills at the wall clock), the next sandbox prepared while T runs,
    then T watched and its outputs copied out, and the pool told how T ended. Returns the next
    sandbox (or whatever make_spare gave)."""
    job = json.loads(message)
    limits = Limits(**job["limits"])
    failure, reaped = None, False
    try:
        setns(box.mnt, sandbox.CLONE_NEWNS)
        sandbox.fill_root(box.root, job, limits)
        inner = sandbox.inner_job({**job, "ready_fd": isolate.READY_FD})
        try:
            events.watch(box.root.out)
            finished = events
        except OSError:                     # no inotify watch left: wait for T's exit
            finished = None
        handed = box.student.hand_over(json.dumps(inner).encode(), fds)
        del inner                           # (the next T is forked from here: not its business)
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
    following = make_spare()                # while T runs (on the other core)
    status = FAILED
    if failure is None:
        try:
            setns(box.mnt, sandbox.CLONE_NEWNS)
            status, reaped = isolate.watch_job(job, limits, box.root, box.student, finished, box.init)
        except BaseException:
            traceback.print_exc()
        finally:
            home.back()
    if status == FAILED:        # PID 1 (a zombie at worst: not reaped yet) takes T with it
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
