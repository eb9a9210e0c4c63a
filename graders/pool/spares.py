"""Pre-forked job processes. A warm process (zygote or grader session) keeps one child forked
and prepared, waiting for its job, so a grading does not wait for fork() and set-up; the child
reports how its job ended before its slow exit (tearing down a large heap), and is reaped later.
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
import struct
import traceback

STATUS = struct.Struct("=i")        # a waitpid-style status, as a job process reports it
MAX_MESSAGE = 1 << 20


class Spare:
    """The parent's handle on a waiting child: its pid, the socket its job goes to, and the
    pipe its report comes back on."""

    def __init__(self, pid: int, sock: socket.socket, report_r: int):
        self.pid, self.sock, self.report_r = pid, sock, report_r

    def move_fds_above(self, low: int) -> None:
        """Renumber this handle's fds to low or above (clear of fixed numbers like stdio's)."""
        sock_fd = fcntl.fcntl(self.sock.fileno(), fcntl.F_DUPFD_CLOEXEC, low)
        report_r = fcntl.fcntl(self.report_r, fcntl.F_DUPFD_CLOEXEC, low)
        self.sock.close()
        os.close(self.report_r)
        self.sock, self.report_r = socket.socket(fileno=sock_fd), report_r

    def hand_over(self, message: bytes, fds: list[int]) -> bool:
        """Send the job and its file descriptors; False when the child is already gone."""
        try:
            socket.send_fds(self.sock, [message], fds)
            return True
        except OSError:
            return False
        finally:
            self.sock.close()

    def wait_report(self) -> tuple[int | None, int | None]:
        """Block until the child reports or dies: (reported status, None), or (None, status
        from waitpid) when it ended without a report."""
        data = b""
        try:
            while len(data) < STATUS.size:
                chunk = os.read(self.report_r, STATUS.size - len(data))
                if not chunk:
                    break
                data += chunk
        finally:
            os.close(self.report_r)
        if len(data) == STATUS.size:
            return STATUS.unpack(data)[0], None
        return None, os.waitpid(self.pid, 0)[1]

    def discard(self) -> None:
        self.sock.close()
        try:
            os.close(self.report_r)
        except OSError:
            pass


def fork(prepare, run, keep: tuple[int, ...] = ()) -> Spare:
    """Fork a child that calls prepare() now and run(job, fds, report_fd, prepared) once its job
    arrives; run must end the process. An exception in prepare is raised again inside run's
    process after the job came, so it reaches the job's own output. keep: fds the child keeps."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    report_r, report_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            ours.close()
            os.close(report_r)
            close_all_but({0, 1, 2, theirs.fileno(), report_w, *keep})
            try:
                prepared, failure = prepare(), None
            except BaseException:
                prepared, failure = None, traceback.format_exc()
            try:
                msg, fds, _, _ = socket.recv_fds(theirs, MAX_MESSAGE, 8)
            except OSError:
                os._exit(0)
            if not msg:
                os._exit(0)                 # the parent went away before a job came
            theirs.close()
            run(json.loads(msg), fds, report_w, prepared if failure is None else PrepareFailed(failure))
        finally:
            os._exit(70)
    theirs.close()
    os.close(report_w)
    return Spare(pid, ours, report_r)


class PrepareFailed:
    """What run() gets instead of the prepared state when prepare() raised (its traceback)."""

    def __init__(self, text: str):
        self.text = text


def close_all_but(fds: set[int]) -> None:
    """Close every file descriptor not in fds."""
    top = 0
    for fd in sorted(fds) + [1 << 20]:
        if fd > top:        # (closerange(n, n) would close everything from n: Python passes n-1)
            os.closerange(top, fd)
        top = max(top, fd + 1)


def run_on_spare(sock, spare: Spare, message: bytes, fds: list[int], make_spare, running: set[int],
                 announce=None) -> Spare | None:
    """One job of a warm process that keeps a spare: hand `message` and `fds` to the spare (to a
    fresh one if it died waiting), tell the pool its pid on `sock` (or call announce(pid)), fork
    the next spare while the job runs, then tell the pool how the job ended. Returns the next
    spare (None when it could not be forked: the caller forks one before the next job)."""
    job = spare
    handed = job.hand_over(message, fds)
    if not handed:                      # it died waiting (killed from outside): a fresh one
        running.add(job.pid)
        job = make_spare()
        handed = job.hand_over(message, fds)
    for fd in fds:
        os.close(fd)
    running.add(job.pid)
    if announce is None:
        sock.send(json.dumps({"pid": job.pid}).encode())
    else:
        announce(job.pid)
    following = make_spare() if handed else None
    inner, status = job.wait_report()
    sock.send(json.dumps({"status": status, "inner": inner}).encode())
    reap(running)
    return following


def reap(pids: set[int]) -> None:
    """Collect the children in pids that have ended (without blocking)."""
    for pid in list(pids):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            pids.discard(pid)
