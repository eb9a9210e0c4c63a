"""The student's privileges in the sandbox: a uid of its own with no capabilities (or, inside
a user namespace, uid 0 of that namespace with every capability dropped).
"""
from __future__ import annotations

import ctypes
import os

from graders.sandbox.root import WORK, Root
from graders.sandbox.syscalls import PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, PR_CAPBSET_DROP, SYS_CAPSET, check, libc


def drop_privileges(root: Root) -> None:
    """Called by the student process: a uid of its own with no capabilities (or, inside a user
    namespace, uid 0 of that namespace with every capability dropped)."""
    os.chdir(WORK)
    if not root.userns:
        os.setgroups([])
        os.setresgid(root.uid, root.uid, root.uid)
        os.setresuid(root.uid, root.uid, root.uid)
        return
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)       # _LINUX_CAPABILITY_VERSION_3, this thread
    data = (ctypes.c_uint32 * 6)()
    check(libc.syscall(SYS_CAPSET, header, data), "capset")
