"""Where gradings keep their temporary files: a memory-backed folder (/dev/shm) when one with
room is there, else the system's temporary folder. On this machine's ext4 /tmp a mkdir and
rmdir pair costs ~250 us against ~10 us on tmpfs, and a grading makes a few dozen files.

TRACEGRADE_TMPDIR names the folder explicitly. Each folder's name carries the pid of the process
that made it, so that folders left by a process that was killed can be removed later (`sweep`);
the folder must therefore be local to the machine (pids of another machine mean nothing here).
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile

ENV = "TRACEGRADE_TMPDIR"
OURS = re.compile(r"^tracegrade-(?:[a-z]+-)?(\d+)-")     # what make() and folder() name
MEMORY_DIR = "/dev/shm"
MIN_FREE = 1 << 30          # traces are capped per seed; keep well clear of a small /dev/shm


@functools.lru_cache(maxsize=None)
def _memory_dir() -> str | None:
    try:
        st = os.statvfs(MEMORY_DIR)
    except OSError:
        return None
    if st.f_bavail * st.f_frsize < MIN_FREE or not os.access(MEMORY_DIR, os.W_OK | os.X_OK):
        return None
    return MEMORY_DIR


def base() -> str:
    """The folder temporary grading folders are made in."""
    return os.environ.get(ENV) or _memory_dir() or tempfile.gettempdir()


def make(prefix: str) -> str:
    """A new private folder (mode 0700) for one grading, pool or zygote."""
    return tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=base())


def folder(prefix: str) -> tempfile.TemporaryDirectory:
    """A private folder removed at the end of a `with` block."""
    return tempfile.TemporaryDirectory(prefix=f"{prefix}{os.getpid()}-", dir=base())


def sweep() -> list[str]:
    """Remove the folders that processes of this user made here and left when they were killed
    (a server or worker that got SIGKILL cannot clean up): those whose maker is gone. Returns
    their names."""
    gone = []
    try:
        entries = list(os.scandir(base()))
    except OSError:
        return gone
    for e in entries:
        m = OURS.match(e.name)
        try:
            if not m or not e.is_dir(follow_symlinks=False) or e.stat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        if not os.path.exists(f"/proc/{m.group(1)}"):
            shutil.rmtree(e.path, ignore_errors=True)
            gone.append(e.name)
    return gone
