"""Wakes the grading workers of this host when a submission is queued: each worker binds a UNIX
datagram socket in <instance>/wake/, and the web process sends one byte to each after its commit.
"""
from __future__ import annotations

import errno
import itertools
import logging
import os
import select
import socket
import stat
from pathlib import Path

log = logging.getLogger("tracegrade.wakeup")

FOLDER = "wake"
SUFFIX = ".sock"
MAX_PATH = 107            # sun_path holds 108 bytes on Linux, the last one a NUL
_serial = itertools.count()


def folder(instance: str | os.PathLike) -> Path:
    return Path(instance) / FOLDER


def notify(instance: str | os.PathLike) -> int:
    """Send one byte, without blocking, to every worker socket in the instance's wake folder.
    Never raises (no folder, a stale socket, a full buffer, a path too long are all ignored):
    a wake-up is only a shortcut, workers still poll the database (the only channel between
    hosts with PostgreSQL). Returns how many datagrams were sent."""
    try:
        wake = folder(instance)
        names = [n for n in os.listdir(wake) if n.endswith(SUFFIX)]
        if not names:
            return 0
        sent = 0
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.setblocking(False)
            for name in names:
                try:
                    s.sendto(b"!", os.fspath(wake / name))
                    sent += 1
                except OSError:      # ECONNREFUSED (stale), EAGAIN (buffer full), too long, ...
                    pass
        return sent
    except Exception:                # never let a wake-up fail a submission
        return 0


class Listener:
    """A worker's end: a bound socket to wait on. `open` returns None (after one warning) when
    the socket cannot be made, and the worker then only polls."""

    def __init__(self, sock: socket.socket, path: Path):
        self.sock, self.path = sock, path
        self._ino = os.stat(path).st_ino

    @classmethod
    def open(cls, instance: str | os.PathLike) -> "Listener | None":
        wake = folder(instance)
        path = wake / f"{os.getpid()}-{next(_serial)}{SUFFIX}"
        sock = None
        try:
            if len(os.fsencode(path)) > MAX_PATH:
                raise OSError(errno.ENAMETOOLONG, "path too long for a UNIX socket", str(path))
            wake.mkdir(mode=0o700, exist_ok=True)
            _remove_stale(wake)
            try:
                os.unlink(path)      # left by a dead process that had this pid
            except FileNotFoundError:
                pass
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(os.fspath(path))
            sock.setblocking(False)
            return cls(sock, path)
        except OSError as e:
            if sock is not None:
                sock.close()
            log.warning("no wake-up socket (%s): polling the database only", e)
            return None

    def fileno(self) -> int:
        return self.sock.fileno()

    def wait(self, timeout: float) -> bool:
        """Wait up to timeout seconds for a wake-up, then drain the socket. True when woken.
        A signal handler that raises (the worker's Stop) interrupts the wait."""
        ready, _, _ = select.select([self.sock], [], [], timeout)
        self.drain()
        return bool(ready)

    def drain(self) -> None:
        try:
            while True:
                self.sock.recv(64)
        except OSError:              # BlockingIOError: nothing left
            pass

    def close(self) -> None:
        """Close the socket and remove its file (unless another socket has taken the path)."""
        self.sock.close()
        try:
            if os.stat(self.path).st_ino == self._ino:
                os.unlink(self.path)
        except OSError:
            pass


def _remove_stale(wake: Path) -> None:
    """Remove sockets in the folder that nobody listens on any more (their worker was killed)."""
    for name in os.listdir(wake):
        if not name.endswith(SUFFIX):
            continue
        path = os.fspath(wake / name)
        try:
            before = os.lstat(path)
            if not stat.S_ISSOCK(before.st_mode):
                continue
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as probe:
                probe.connect(path)
        except ConnectionRefusedError:
            try:
                if os.lstat(path).st_ino == before.st_ino:
                    os.unlink(path)
            except OSError:
                pass
        except OSError:
            pass
