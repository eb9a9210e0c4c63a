"""The Linux calls the sandbox makes through libc (mount, unshare, setns, prctl, ...), with the
flag values they take; a failure raises SandboxError naming the call and the kernel's reason.
"""
from __future__ import annotations

import ctypes
import os

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOSYMFOLLOW, MS_SHARED = 256, 1 << 20
KEEP_FLAGS = 1 | 2 | 4 | 8 | 1024 | 2048 | 4096   # RDONLY NOSUID NODEV NOEXEC NOATIME NODIRATIME RELATIME
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_NAME, PR_CAPBSET_DROP, PR_CAP_AMBIENT = 1, 15, 24, 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
SYS_PIVOT_ROOT, SYS_CAPSET = 155, 126

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


class SandboxError(OSError):
    """The sandbox could not be set up (the job is not run without it)."""


def check(ret: int, what: str) -> None:
    if ret != 0:
        e = ctypes.get_errno()
        raise SandboxError(e, f"{what}: {os.strerror(e)}")


def b(s) -> bytes | None:
    return None if s is None else os.fsencode(s)


def mount(src, target, fstype, flags: int, data: str | None = None) -> None:
    check(libc.mount(b(src), b(target), b(fstype), flags, b(data)), f"mount {target}")


def unshare(flags: int) -> None:
    check(libc.unshare(flags), "unshare")


def setns(fd: int, nstype: int) -> None:
    check(libc.setns(fd, nstype), "setns")


def prctl(option: int, arg: int = 0) -> None:
    check(libc.prctl(option, arg, 0, 0, 0), f"prctl({option})")


def set_process_name(name: str) -> None:
    """Name this process as ps and top show it (its role: tg-keeper, tg-student, ...)."""
    try:
        ctypes.CDLL(None).prctl(PR_SET_NAME, name.encode()[:15], 0, 0, 0)
    except (OSError, AttributeError):
        pass
