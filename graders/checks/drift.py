"""How far two recordings of the same reference differ (another CPU, other kernels), per key,
measured against the tolerance policy of graders.checks.compare.

`trace_drift` lists each key's largest difference; `tracegrade check` and the drift tests read it.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from graders.checks.compare import ATOL, RTOL, excess, magnitude
from graders.trace.store import NO_STEP, Trace


@dataclass
class KeyDrift:
    """The largest difference of one key between two recordings."""

    key: str
    step: int | None        # 0-based step of the worst value (None: no step)
    relative: float         # max |fresh − committed| / M, M the key's largest |value|
    of_tolerance: float     # the same difference in units of the allowed one (> 1: beyond it)

    def where(self) -> str:
        return self.key + ("" if self.step is None else f" at step {self.step + 1}")


def trace_drift(committed: Trace, fresh: Trace, rtol: float = RTOL,
                atol: float = ATOL) -> list[KeyDrift]:
    """Each key's drift, worst first. A tensor key present in one trace only, a shape that
    differs or an info entry both have with different values counts as infinite drift (the
    recordings do not do the same thing)."""
    out = []
    for key in sorted(set(committed.tensors) | set(fresh.tensors)):
        a, b = committed.tensors.get(key, {}), fresh.tensors.get(key, {})
        if set(a) != set(b):
            out.append(KeyDrift(key, None, float("inf"), float("inf")))
            continue
        scale = magnitude(*a.values())
        worst = KeyDrift(key, None, 0.0, 0.0)
        for s in sorted(a):
            x = excess(b[s], a[s], rtol, atol, scale)
            rel = _relative(b[s], a[s], scale)
            if (x, rel) > (worst.of_tolerance, worst.relative):
                worst = KeyDrift(key, None if s == NO_STEP else s, rel, x)
        out.append(worst)
    for key in sorted(set(committed.info) & set(fresh.info)):   # (an entry the engine has
        if committed.info[key] != fresh.info[key]:               # added since is no drift)
            out.append(KeyDrift(f"info {key}", None, float("inf"), float("inf")))
    return sorted(out, key=lambda d: (-d.of_tolerance, -d.relative, d.key))


def _relative(yours: torch.Tensor, expected: torch.Tensor, scale: float) -> float:
    if yours.shape != expected.shape:
        return float("inf")
    y, e = yours.to(torch.float64), expected.to(torch.float64)
    d = torch.where(y == e, 0.0, (y - e).abs())
    if not d.numel():
        return 0.0
    d = torch.nan_to_num(d, nan=float("inf"))
    top = float(d.max())
    return top / scale if scale > 0 else (0.0 if top == 0 else float("inf"))
