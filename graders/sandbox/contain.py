"""Containing the student process, in the order it is done: its own session, the sandbox's
root, its own uid without capabilities, death with its parent, rlimits, seccomp. Also PID 1 of
a sandbox's PID namespace (`start_init`), whose death ends everything inside.
"""
from __future__ import annotations

import os
import resource
import select
import signal

from graders.sandbox import seccomp
from graders.sandbox.privileges import drop_privileges
from graders.sandbox.root import Root, enter_root
from graders.sandbox.syscalls import PR_SET_PDEATHSIG, SandboxError, libc, set_process_name

INIT_PROGRAM = "/bin/cat"       # PID 1 of a sandbox (see start_init)


def die_with_parent(parent: int | None, lifeline: int | None = None) -> None:
    """SIGKILL when the parent dies; exit now if it already has (it is no longer our parent, or
    its end of lifeline is gone: inside a new PID namespace the parent's pid reads as 0)."""
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent is not None and os.getppid() != parent:
        os._exit(70)
    if lifeline is not None:
        if select.select([lifeline], [], [], 0)[0]:
            os._exit(70)
        os.close(lifeline)


def start_init(lifeline: int, own_group: bool = False) -> int:
    """PID 1 of the new PID namespace: a placeholder, so that the student process is an ordinary process there
    (signals behave as usual) and killing PID 1 ends everything the student process started. It is `cat` reading
    the lifeline, which nobody writes: when the keeper ends, however it ends, the pipe's last writer is
    gone, cat reads end-of-file and exits, and the kernel kills the rest of the sandbox.
    Spawned without a copy of the keeper's memory (posix_spawn: no page tables copied, nothing to undo
    at exec); it keeps the keeper's process group, so killing that group takes the sandbox too (or, with
    own_group, leads a group of its own: for sandboxes the zygote keeps itself, see graders.pool.zygote_sandbox)."""
    group = {"setpgroup": 0} if own_group else {}
    return os.posix_spawn(INIT_PROGRAM, ["cat"], {}, file_actions=[
        (os.POSIX_SPAWN_DUP2, lifeline, 0),
        (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ], setsigdef=(signal.SIGPIPE, signal.SIGINT, signal.SIGTERM, signal.SIGHUP), **group)


def prepare_student(root: Root | None, parent: int, lifeline: int) -> bool:
    """The student process before its job: in the sandbox, enter the new root and drop
    privileges; seccomp. Returns whether it is sandboxed."""
    set_process_name("tg-student")
    if root is not None:                # (unsandboxed, it stays in the keeper's group: one kill ends both)
        os.setsid()
        enter_root(root)
        drop_privileges(root)
    die_with_parent(None if root is not None else parent, lifeline)   # after the uid change,
    # which clears the death signal
    for lim in (resource.RLIMIT_MEMLOCK, resource.RLIMIT_MSGQUEUE):
        resource.setrlimit(lim, (0, 0))
    if seccomp.supported():
        seccomp.install()
    elif root is not None:
        raise SandboxError(0, "no seccomp filter for this machine")
    return root is not None
