"""Threat: a submission reaches the kernel through a system call it has no business making. The
seccomp filter (graders.sandbox.seccomp) is written by hand, so it is checked three ways:
  - call by call from inside a real sandbox: each denied call fails with EPERM, clone3 with
    ENOSYS, the 32-bit ABI (int 0x80) kills the process, x32 numbers fail with EPERM;
  - its BPF program run here on each call's data, so the filter's own answer is seen (inside the
    sandbox the kernel might refuse some calls anyway: no capabilities);
  - its syscall numbers against libseccomp's table (scmp_sys_resolver, Debian's `seccomp`).
See docs/security.md, "The seccomp filter"."""
from __future__ import annotations

import errno
import platform
import shutil
import signal
import struct
import subprocess

import pytest

from graders.sandbox import seccomp
from tests.conftest import require_service
from tests.security.conftest import GOOD, lines

ISSUE_LIST = ("ptrace", "mount", "unshare", "setns", "bpf", "keyctl", "add_key", "perf_event_open",
              "io_uring_setup", "userfaultfd", "kexec_load", "kexec_file_load", "init_module",
              "finit_module", "open_by_handle_at")
AUDIT_ARCH_I386 = 0x40000003
CLONE_NEWUSER = 0x10000000

x86_64_only = pytest.mark.skipif(not seccomp.supported(), reason="the filter has a table for x86_64 only")


def test_the_threat_model_s_calls_are_all_denied():
    assert set(ISSUE_LIST) <= set(seccomp.DENIED)


# ---- the filter's own answers -------------------------------------------------------------------
def run_filter(nr: int, args=(0,) * 6, arch: int = seccomp.AUDIT_ARCH_X86_64) -> int:
    """What the BPF program answers for one call (struct seccomp_data: nr, arch, ip, args)."""
    data = struct.pack("=iIQ6Q", nr, arch, 0, *(a & (2**64 - 1) for a in args))
    prog, pc, acc = seccomp.program(), 0, 0
    for _ in range(10_000):
        code, jt, jf, k = prog[pc]
        if code == seccomp.LD_W_ABS:
            acc = struct.unpack_from("=I", data, k)[0]
        elif code == seccomp.RET_K:
            return k
        else:
            hit = {seccomp.JEQ_K: acc == k, seccomp.JGE_K: acc >= k, seccomp.JSET_K: bool(acc & k)}[code]
            pc += jt if hit else jf
        pc += 1
    raise AssertionError("the filter did not return")


def errno_of(action: int) -> int | None:
    return action & 0xFFFF if action & 0xFFFF0000 == seccomp.RET_ERRNO else None


def test_every_denied_call_gets_eperm_from_the_filter():
    wrong = {name: hex(run_filter(nr)) for name, nr in seccomp.DENIED.items()
             if errno_of(run_filter(nr)) != errno.EPERM}
    assert wrong == {}


def test_ordinary_calls_pass_the_filter():
    for nr in (0, 1, 3, 9, 39, 60, 231, seccomp.CLONE):     # read write close mmap getpid exit(_group) clone
        assert run_filter(nr) == seccomp.RET_ALLOW, nr
    assert run_filter(seccomp.SOCKET, (1, 1, 0, 0, 0, 0)) == seccomp.RET_ALLOW         # AF_UNIX


def test_the_filter_s_classes():
    assert run_filter(39, arch=AUDIT_ARCH_I386) == seccomp.RET_KILL                  # int 0x80
    assert errno_of(run_filter(seccomp.X32_SYSCALL_BIT | 39)) == errno.EPERM           # x32 ABI
    assert errno_of(run_filter(seccomp.NEWEST_KNOWN_SYSCALL + 1)) == errno.ENOSYS       # the future
    assert errno_of(run_filter(seccomp.CLONE3)) == errno.ENOSYS
    assert errno_of(run_filter(seccomp.CLONE, (CLONE_NEWUSER | 17, 0, 0, 0, 0, 0))) == errno.EPERM
    for family in (2, 10, 16, 17):                           # INET INET6 NETLINK PACKET
        assert errno_of(run_filter(seccomp.SOCKET, (family, 1, 0, 0, 0, 0))) == errno.EAFNOSUPPORT
        assert errno_of(run_filter(seccomp.SOCKETPAIR, (family, 1, 0, 0, 0, 0))) == errno.EAFNOSUPPORT


# ---- the numbers against libseccomp ----------------------------------------------------------
@x86_64_only
def test_the_syscall_numbers_match_libseccomp_s_table():
    """Every name the filter spells has the number libseccomp gives it on x86_64; names this
    libseccomp does not know yet must lie above the newest number it does know."""
    resolver = shutil.which("scmp_sys_resolver")
    require_service("libseccomp's scmp_sys_resolver", resolver is not None,
                    "install Debian's `seccomp` package (apt-get install seccomp)")

    def resolve(what) -> str:
        return subprocess.run([resolver, "-a", "x86_64", str(what)], capture_output=True, text=True,
                              timeout=30, check=True).stdout.strip()
    names = {**seccomp.DENIED, "socket": seccomp.SOCKET, "socketpair": seccomp.SOCKETPAIR,
             "clone": seccomp.CLONE, "clone3": seccomp.CLONE3}
    found = {name: int(resolve(name)) for name in names}
    unknown = sorted(name for name, nr in found.items() if nr < 0)
    assert {name: (names[name], nr) for name, nr in found.items() if nr >= 0 and nr != names[name]} == {}
    newest = max(found.values())
    while resolve(newest + 1) != "UNKNOWN" or resolve(newest + 2) != "UNKNOWN":
        newest += 1
    assert all(names[name] > newest for name in unknown), (unknown, newest)
    assert seccomp.NEWEST_KNOWN_SYSCALL >= max(names.values())


# ---- call by call, inside a real sandbox ------------------------------------------------------
CALLS = r'''
import ctypes, errno, mmap, os
_sc = ctypes.CDLL(None, use_errno=True)
_sc.syscall.restype = ctypes.c_long

def _call(name, nr, *args):
    args = (list(args) + [0] * 6)[:6]
    ctypes.set_errno(0)
    r = _sc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    if r == 0 and name.startswith("clone"):
        os._exit(0)                       # (a child, were the call let through)
    e = ctypes.get_errno()
    print("SECCOMP", name, errno.errorcode.get(e, e) if r == -1 else "allowed")

for _name, _nr in sorted(DENIED.items()):
    _call(_name, _nr)
_call("unshare_newuser", DENIED["unshare"], 0x10000000)
_call("clone_newuser", 56, 0x10000000 | 17)
_call("clone3", 435)
_call("x32_getpid", 0x40000000 | 39)
_call("future", NEWEST + 1)
_call("getpid", 39)

_pid = os.fork()
if _pid == 0:                             # int 0x80: getpid through the 32-bit ABI
    _m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    _m.write(bytes([0xB8, 0x14, 0, 0, 0, 0xCD, 0x80, 0xC3]))     # mov eax, 20; int 0x80; ret
    _f = ctypes.CFUNCTYPE(ctypes.c_long)(ctypes.addressof(ctypes.c_char.from_buffer(_m)))
    _f()
    os._exit(0)
_status = os.waitpid(_pid, 0)[1]
print("SECCOMP int80", "signal", os.WTERMSIG(_status) if os.WIFSIGNALED(_status) else "none")
print("SECCOMP status", [l.split()[1] for l in open("/proc/self/status") if l.startswith("Seccomp:")])
'''


@x86_64_only
def test_each_denied_call_fails_inside_the_sandbox(lab):
    src = f"DENIED = {dict(seccomp.DENIED)!r}\nNEWEST = {seccomp.NEWEST_KNOWN_SYSCALL}\n" + CALLS + GOOD
    r = lab.grade(src)
    seen = {ln.split()[1]: ln.split()[2:] for ln in lines(r, "SECCOMP ")}
    assert seen.get("status") == ["['2']"], (seen, r.stderr[-2000:])       # filter mode
    assert {name: seen.get(name) for name in seccomp.DENIED if seen.get(name) != ["EPERM"]} == {}
    assert seen["unshare_newuser"] == ["EPERM"] and seen["clone_newuser"] == ["EPERM"]
    assert seen["clone3"] == ["ENOSYS"] and seen["future"] == ["ENOSYS"]
    assert seen["x32_getpid"] == ["EPERM"]
    assert seen["int80"] == ["signal", str(int(signal.SIGSYS))]        # killed, not answered
    assert seen["getpid"] == ["allowed"]
    assert r.score == lab.full_marks, (r.verdict, r.message)
    lab.healthy()


def test_the_machine_is_what_the_filter_expects():
    assert seccomp.supported() == (platform.machine() in ("x86_64", "AMD64"))
