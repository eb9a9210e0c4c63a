"""The sandbox's namespaces: new mount, PID, IPC, UTS and network namespaces (a user namespace
first when not root), and the way back (`Home`) for a process that builds sandboxes and stays.
"""
from __future__ import annotations

import os
import traceback
from pathlib import Path

from graders.sandbox.syscalls import (
    CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUSER, CLONE_NEWUTS, MS_PRIVATE,
    MS_REC, libc, mount, setns, unshare,
)

NAMESPACES = (("mnt", CLONE_NEWNS), ("net", CLONE_NEWNET), ("ipc", CLONE_NEWIPC),
              ("uts", CLONE_NEWUTS), ("pid", CLONE_NEWPID))


def enter_namespaces(userns: bool) -> None:
    """New mount, PID, IPC, UTS and network namespaces for this process's future children
    (a user namespace first when not root); mounts made from now on stay private."""
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET
    unshare(flags | (CLONE_NEWUSER if userns else 0))
    if userns:
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
        Path("/proc/self/gid_map").write_text(f"0 {gid} 1")
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    libc.sethostname(b"sandbox", 7)


class Home:
    """A process's own namespaces, to come back to from a sandbox's (the root zygote builds its
    sandboxes itself: graders.pool.zygote_sandbox)."""

    def __init__(self):
        self.fds = [(os.open(f"/proc/self/ns/{name}", os.O_RDONLY | os.O_CLOEXEC), flag)
                    for name, flag in NAMESPACES]

    def back(self) -> None:
        """Back into every namespace of home; a process that cannot ends (the pool starts
        another): it must never fork student processes from the wrong place."""
        try:
            for fd, flag in self.fds:
                setns(fd, flag)
            os.chdir("/")
        except BaseException:
            traceback.print_exc()
            os._exit(75)
