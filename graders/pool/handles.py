"""The pool's handles on its warm processes: a `ZygoteProcess` (an interpreter the pool started)
and a `SessionProcess` (a collected grader session a trusted zygote forked). Both take a job and
three pipes over a SOCK_SEQPACKET socket, answer with the job process's pid, then how it ended.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile

from graders.pool.backends import PROJECT_ROOT, ChildRun, child_env, kill_group, watch_child
from graders.sandbox import scratch as scratch_folders

STARTUP_SECONDS = 300.0     # a zygote imports torch and warms up; slow on a loaded machine
REPLY_SECONDS = 60.0


class WarmProcessDied(Exception):
    """The warm process went away; `accepted` says whether it had started the job."""

    accepted = False


class WarmProcess:
    """A warm process on the other end of a socket, running one job at a time."""

    kind = ""
    log = None          # the file the process writes its stdout and stderr to (tail())

    def __init__(self, sock: socket.socket, pid: int):
        self.sock, self.pid, self.ready = sock, pid, False

    def _recv(self, timeout: float | None) -> dict | None:
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1 << 20)
        except socket.timeout:
            return None
        except OSError as e:
            raise WarmProcessDied(f"lost the {self.kind} worker ({e})") from None
        if not data:
            raise WarmProcessDied(f"the {self.kind} worker exited{self.tail()}")
        return json.loads(data)

    def tail(self) -> str:
        """The end of what the process wrote to its log file (self.log), for error messages."""
        if self.log is None:
            return ""
        try:
            self.log.seek(0)
            text = self.log.read()[-3000:].decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""
        return f":\n{text}" if text else ""

    def wait_ready(self) -> None:
        if self.ready:
            return
        msg = self._recv(STARTUP_SECONDS)
        if not msg or not msg.get("ready"):
            detail = msg.get("error", "") if msg else "no answer"
            raise WarmProcessDied(f"the {self.kind} worker did not start: {detail}{self.tail()}")
        self.ready = True

    def run(self, job: dict, wall_seconds: float, output_bytes: int) -> ChildRun:
        """Run one job in a fresh fork of this worker; raise WarmProcessDied if the worker is lost."""
        self.wait_ready()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        ready_r, ready_w = os.pipe()
        try:
            try:
                socket.send_fds(self.sock, [json.dumps(job).encode()], [out_w, err_w, ready_w])
            except OSError as e:
                raise WarmProcessDied(f"could not send the job ({e})") from None
            finally:
                for fd in (out_w, err_w, ready_w):
                    os.close(fd)
            msg = self._recv(REPLY_SECONDS)
            if msg is None or "pid" not in msg:
                raise WarmProcessDied(f"the {self.kind} worker refused the job: {msg}")
            pid = msg["pid"]

            def wait(timeout):
                end = self._recv(timeout)
                if end is None:
                    return None
                return end["status"] if end.get("inner") is None else end["inner"]

            try:
                return watch_child(pid, out_r, err_r, ready_r, wall_seconds, output_bytes, wait)
            except WarmProcessDied as e:
                kill_group(pid)
                e.accepted = True
                raise
        finally:
            for fd in (out_r, err_r, ready_r):
                os.close(fd)

    def alive(self) -> bool:
        try:
            self.sock.setblocking(False)
            return self.sock.recv(1, socket.MSG_PEEK) != b""
        except BlockingIOError:
            return True
        except OSError:
            return False

    def close(self) -> None:
        self.sock.close()


class ZygoteProcess(WarmProcess):
    """A warm interpreter (`python -m graders.pool.zygote`) of kind "untrusted" or "trusted"."""

    def __init__(self, kind: str, mode: str, scratch: str | None = None, warm: bool = True):
        """scratch: a folder for the sandboxes' mount points (the pool's; else a new one).
        warm=False skips the warm-up, for a pool that grades once."""
        self.kind, self.mode = kind, mode
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.log = tempfile.TemporaryFile()
        scratch = scratch or scratch_folders.make("tracegrade-zygote-")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "graders.pool.zygote", str(theirs.fileno()), kind, mode, str(scratch),
             "warm" if warm else "cold"],
            pass_fds=(theirs.fileno(),), env=child_env({"PYTHONPATH": str(PROJECT_ROOT)}), cwd="/",
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
        )
        theirs.close()
        super().__init__(ours, self.proc.pid)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def start_session(self, template: dict, key: str) -> "SessionProcess":
        """Ask this (trusted) zygote to fork a session that collects `template`'s graders."""
        self.wait_ready()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            socket.send_fds(self.sock, [json.dumps({"session": template}).encode()], [theirs.fileno()])
        except OSError as e:
            ours.close()
            raise WarmProcessDied(f"could not ask for a session ({e})") from None
        finally:
            theirs.close()
        msg = self._recv(REPLY_SECONDS)
        if not msg or "pid" not in msg:
            ours.close()
            raise WarmProcessDied(f"the zygote did not start a session: {msg}")
        return SessionProcess(ours, msg["pid"], key)

    def close(self) -> None:
        super().close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.log.close()


class SessionProcess(WarmProcess):
    """A trusted zygote's fork holding one exercise's collected graders (graders.pool.sessions)."""

    kind = "session"

    def __init__(self, sock: socket.socket, pid: int, key: str):
        super().__init__(sock, pid)
        self.key = key
