"""Whether phase 1 can be isolated on this machine, and how: namespaces, a tmpfs mount and
seccomp are tried once in a throwaway process (cached).
"""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Availability:
    """Whether phase 1 can be isolated on this machine, and how."""

    available: bool
    userns: bool
    seccomp: bool
    reason: str


_PROBE = r"""
import json, os, sys, tempfile, types
pkg = types.ModuleType("graders"); pkg.__path__ = [sys.argv[1]]; sys.modules["graders"] = pkg
from graders.sandbox import namespaces, seccomp, syscalls
userns = os.getuid() != 0
try:
    namespaces.enter_namespaces(userns)
    syscalls.mount("tmpfs", tempfile.gettempdir(), "tmpfs", syscalls.MS_NOSUID, "size=1m")
    pid = os.fork()
    if pid == 0:
        try:
            seccomp.install()
            os._exit(0)
        except BaseException:
            os._exit(3)
    secc = os.waitpid(pid, 0)[1] == 0
    print(json.dumps({"available": True, "userns": userns, "seccomp": secc, "reason": ""}))
except Exception as e:
    print(json.dumps({"available": False, "userns": userns, "seccomp": False, "reason": str(e)}))
"""
_probed: Availability | None = None


def probe() -> Availability:
    """Try the namespaces, a tmpfs mount and seccomp in a throwaway process (cached)."""
    global _probed
    if _probed is None:
        if not sys.platform.startswith("linux"):
            _probed = Availability(False, False, False, f"namespaces need Linux (this is {sys.platform})")
            return _probed
        pkg_dir = str(Path(__file__).resolve().parent.parent)   # graders/
        try:
            out = subprocess.run([sys.executable, "-I", "-c", _PROBE, pkg_dir], capture_output=True,
                                 text=True, timeout=30, env={"PATH": "/usr/bin:/bin"}).stdout
            _probed = Availability(**json.loads(out.strip().splitlines()[-1]))
        except (OSError, ValueError, IndexError, subprocess.TimeoutExpired) as e:
            _probed = Availability(False, False, False, f"the sandbox probe failed: {e}")
    return _probed
