"""The machine's processes as the benchmarks read them from /proc: parent, CPU time so far
(with the children each reaped), name and command line; and the CPU of a process tree.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass
class Proc:
    ppid: int
    cpu: float          # seconds: utime + stime + cutime + cstime (reaped children included)
    comm: str
    argv: list[str]


def processes(with_argv: bool = False) -> dict[int, Proc]:
    """Every process readable now (argv only when asked: one more file each)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                text = f.read().decode("ascii", "replace")
            argv = []
            if with_argv:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    argv = f.read().decode("utf-8", "replace").split("\0")
        except OSError:
            continue
        fields = text[text.rfind(")") + 2:].split()
        out[int(name)] = Proc(int(fields[1]), sum(int(v) for v in fields[11:15]) / tick,
                              text[text.find("(") + 1:text.rfind(")")], argv)
    return out


def children(procs: dict[int, Proc]) -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for pid, p in procs.items():
        kids.setdefault(p.ppid, []).append(pid)
    return kids


def tree_cpu(top: int) -> float:
    """CPU seconds of process top and all its descendants, the children they reaped included."""
    procs = processes()
    kids = children(procs)
    total, todo = 0.0, [top]
    while todo:
        pid = todo.pop()
        total += procs[pid].cpu if pid in procs else 0.0
        todo += kids.get(pid, [])
    return total
