"""A seccomp-BPF filter for phase-1 children, written by hand (no libseccomp): it refuses the
system calls student code has no business making (IP sockets, ptrace, mount, bpf, keyctl, ...).

Default-allow with a deny list, plus every syscall number above the newest known one, so a
kernel newer than this table does not open a hole. x86_64 only; `supported()` says so elsewhere.
"""
from __future__ import annotations

import ctypes
import errno
import platform
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
NEWEST_KNOWN_SYSCALL = 470          # x86_64 numbers above this are refused (future syscalls)

# x86_64 syscall numbers refused with EPERM.
DENIED = {
    "ptrace": 101, "syslog": 103, "uselib": 134, "personality": 135, "adjtimex": 159,
    "chroot": 161, "acct": 163, "settimeofday": 164, "mount": 165, "umount2": 166,
    "swapon": 167, "swapoff": 168, "reboot": 169, "sethostname": 170, "setdomainname": 171,
    "iopl": 172, "ioperm": 173, "init_module": 175, "delete_module": 176, "quotactl": 179,
    "pivot_root": 155, "vhangup": 153, "lookup_dcookie": 212, "clock_settime": 227,
    "add_key": 248, "request_key": 249, "keyctl": 250, "mknod": 133, "mknodat": 259,
    "unshare": 272, "kexec_load": 246, "perf_event_open": 298, "fanotify_init": 300,
    "name_to_handle_at": 303, "open_by_handle_at": 304, "clock_adjtime": 305, "setns": 308,
    "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312, "finit_module": 313,
    "kexec_file_load": 320, "bpf": 321, "userfaultfd": 323, "io_uring_setup": 425,
    "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428, "move_mount": 429,
    "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "pidfd_getfd": 438,
    "mount_setattr": 442, "quotactl_fd": 443, "memfd_secret": 447, "statmount": 457,
    "listmount": 458, "open_tree_attr": 467,
}
SOCKET, SOCKETPAIR, CLONE, CLONE3 = 41, 53, 56, 435
AF_UNIX = 1
CLONE_NEW_FLAGS = (0x00020000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000
                   | 0x40000000 | 0x02000000)   # NEWNS UTS IPC USER PID NET CGROUP

# BPF opcodes
LD_W_ABS = 0x20
JEQ_K, JGE_K, JSET_K = 0x15, 0x35, 0x45
RET_K = 0x06
RET_ALLOW = 0x7FFF0000
RET_KILL = 0x80000000
RET_ERRNO = 0x00050000
OFF_NR, OFF_ARCH, OFF_ARG0 = 0, 4, 16

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2


def supported() -> bool:
    """Whether this module has a syscall table for the running machine."""
    return platform.machine() in ("x86_64", "AMD64")


def _ins(code: int, k: int, jt: int = 0, jf: int = 0) -> tuple:
    return (code, jt, jf, k & 0xFFFFFFFF)


def program() -> list[tuple]:
    """The filter as a list of (code, jt, jf, k) instructions."""
    eperm = RET_ERRNO | errno.EPERM
    prog = [
        _ins(LD_W_ABS, OFF_ARCH),
        _ins(JEQ_K, AUDIT_ARCH_X86_64, 1, 0),
        _ins(RET_K, RET_KILL),
        _ins(LD_W_ABS, OFF_NR),
        _ins(JGE_K, X32_SYSCALL_BIT, 0, 1),
        _ins(RET_K, eperm),
        _ins(JGE_K, NEWEST_KNOWN_SYSCALL + 1, 0, 1),
        _ins(RET_K, RET_ERRNO | errno.ENOSYS),
    ]
    for nr in sorted(set(DENIED.values())):
        prog += [_ins(JEQ_K, nr, 0, 1), _ins(RET_K, eperm)]
    # clone3 passes its flags in memory, where BPF cannot look: say ENOSYS so libc uses clone.
    prog += [_ins(JEQ_K, CLONE3, 0, 1), _ins(RET_K, RET_ERRNO | errno.ENOSYS)]
    # clone: no new namespaces.
    prog += [_ins(JEQ_K, CLONE, 0, 3), _ins(LD_W_ABS, OFF_ARG0),
             _ins(JSET_K, CLONE_NEW_FLAGS, 0, 1), _ins(RET_K, eperm)]
    prog += [_ins(LD_W_ABS, OFF_NR)]
    # socket / socketpair: AF_UNIX only (the network namespace has no interface anyway).
    for nr in (SOCKET, SOCKETPAIR):
        prog += [_ins(JEQ_K, nr, 0, 4), _ins(LD_W_ABS, OFF_ARG0),
                 _ins(JEQ_K, AF_UNIX, 1, 0), _ins(RET_K, RET_ERRNO | errno.EAFNOSUPPORT),
                 _ins(LD_W_ABS, OFF_NR)]
    prog.append(_ins(RET_K, RET_ALLOW))
    return prog


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install() -> None:
    """Set no_new_privs and load the filter into the calling process (and its future children).
    Raises OSError when the kernel refuses."""
    if not supported():
        raise OSError(errno.ENOSYS, f"no seccomp syscall table for {platform.machine()}")
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"PR_SET_NO_NEW_PRIVS: {errno.errorcode.get(e, e)}")
    prog = program()
    raw = b"".join(struct.pack("=HBBI", *ins) for ins in prog)
    buf = ctypes.create_string_buffer(raw, len(raw))
    fprog = _SockFprog(len(prog), ctypes.cast(buf, ctypes.c_void_p))
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"PR_SET_SECCOMP: {errno.errorcode.get(e, e)}")
