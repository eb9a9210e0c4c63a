"""A warm process's heap and threads: the checks a zygote or grader session makes before it
forks (single-threaded), and the huge-page collapse that makes each fork cheaper.
"""
from __future__ import annotations

import ctypes
import os
from pathlib import Path


def collapse_heap() -> int:
    """Back the warmed heap with transparent huge pages (MADV_COLLAPSE, Linux >= 6.1), so that
    each fork copies a few hundred page-table entries instead of ~50,000: measured here, a fork
    plus exit of the phase-1 zygote went from ~35 ms to ~18 ms. Returns the ranges collapsed."""
    huge, done = 2 << 20, 0
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    try:
        maps = Path("/proc/self/maps").read_text().splitlines()
    except OSError:
        return 0
    for line in maps:
        parts = line.split()
        if parts[1][:2] != "rw" or (len(parts) > 5 and parts[5] != "[heap]"):
            continue                        # anonymous read-write memory only
        lo, hi = (int(x, 16) for x in parts[0].split("-"))
        start, end = (lo + huge - 1) & ~(huge - 1), hi & ~(huge - 1)
        if end > start and libc.madvise(start, end - start, 25) == 0:    # MADV_COLLAPSE
            done += 1
    return done


def threads() -> int:
    """Threads of this process (a fork copies only the calling one)."""
    return len(os.listdir("/proc/self/task"))

