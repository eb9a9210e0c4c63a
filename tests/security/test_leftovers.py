"""Threat: a submission leaves something behind — files, processes, IPC objects, mounts — that
a later submission or the host can see. After each grading nothing of it may remain."""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from tests.security.conftest import GOOD, comm_of, host_pids, lines

PLACES = ["/tmp", "/tmp/work", "/out", "/dev/shm", "/var/tmp", "/dev", "/", "/work"]


def host_files_named(name: str, depth: int = 4) -> list[Path]:
    """Files or folders whose name contains name, in the host's temporary places."""
    found = []
    for top in ("/tmp", "/dev/shm", "/var/tmp", "/run"):
        for dirpath, dirnames, filenames in os.walk(top):
            found += [Path(dirpath) / n for n in filenames + dirnames if name in n]
            if dirpath.count("/") - top.count("/") >= depth:
                dirnames.clear()
    return found


def test_files_do_not_outlive_the_grading(lab):
    name = "left-" + secrets.token_hex(6)
    write = f"NAME, PLACES = {name!r}, {PLACES!r}\n" + '''
import os
for d in PLACES:
    try:
        with open(os.path.join(d, NAME), "w") as f:
            f.write("x" * 1000)
        print("WROTE", d)
    except OSError as e:
        print("BLOCKED", d, type(e).__name__)
''' + GOOD
    mounts = Path("/proc/self/mountinfo").read_text()
    first = lab.grade(write)
    assert lines(first, "WROTE") == {"WROTE /tmp", "WROTE /tmp/work", "WROTE /out"}, first.stdout[-2000:]
    assert host_files_named(name) == []
    assert Path("/proc/self/mountinfo").read_text() == mounts
    look = f"NAME, PLACES = {name!r}, {PLACES!r}\n" + '''
import os
for d in PLACES:
    print("FOUND" if os.path.exists(os.path.join(d, NAME)) else "ABSENT", d)
''' + GOOD
    second = lab.grade(look)
    assert lines(second, "FOUND") == set() and len(lines(second, "ABSENT")) == len(PLACES)
    lab.healthy()


def test_processes_do_not_outlive_the_grading(lab):
    name = "linger" + secrets.token_hex(4)          # at most 15 characters: a process name
    src = f"NAME = {name!r}\n" + '''
import ctypes, os, time
def daemon():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            ctypes.CDLL(None).prctl(15, NAME.encode(), 0, 0, 0)    # PR_SET_NAME
            time.sleep(120)
        os._exit(0)
try:
    daemon()
    print("FORKED")
except OSError as e:
    print("NOFORK", e)
''' + GOOD
    r = lab.grade(src, seeds="public")
    assert "FORKED" in r.stdout, r.stdout[-2000:]        # this exercise allows 3 processes
    time.sleep(0.2)
    assert [p for p in host_pids() if comm_of(p) == name] == []
    lab.healthy()


def test_ipc_objects_do_not_outlive_the_grading(lab):
    key = secrets.randbelow(1 << 30) + 1
    src = f"KEY = {key}\n" + '''
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
IPC_CREAT = 0o1000
print("SHM", libc.shmget(KEY, 1 << 20, IPC_CREAT | 0o666))
print("MSG", libc.msgget(KEY, IPC_CREAT | 0o666))
print("SEM", libc.semget(KEY, 1, IPC_CREAT | 0o666))
''' + GOOD
    lab.grade(src, seeds="public")
    hexkey = f"{key:d}"
    for table in ("shm", "msg", "sem"):
        rows = Path(f"/proc/sysvipc/{table}").read_text().splitlines()[1:]
        assert all(row.split()[0] != hexkey for row in rows), table
    look = f"KEY = {key}\n" + '''
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
print("FOUND" if libc.shmget(KEY, 0, 0) >= 0 else "ABSENT")
''' + GOOD
    r = lab.grade(look, seeds="public")
    assert "ABSENT" in r.stdout and "FOUND" not in r.stdout
    lab.healthy()
