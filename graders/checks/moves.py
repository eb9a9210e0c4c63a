"""Which optimizer steps really moved the parameters, read off the `param/<name>@k` keys a
TracingOptimizer records (before the first step at -1, after step k at k).

For graders that award "step() updates the parameters" only when the parameters change.
"""
from __future__ import annotations

import torch

from graders.trace.store import Trace


def _names(trace: Trace) -> list[str]:
    return [k[len("param/"):] for k in trace.prefixed("param/")]


def moved_steps(trace: Trace) -> list[bool]:
    """For each optimizer step k, True when some parameter after it differs from before it."""
    names = _names(trace)
    steps = sorted({s for n in names for s in trace.steps(f"param/{n}") if s >= 0})
    out = []
    for k in steps:
        moved = False
        for n in names:
            before, after = trace.get(f"param/{n}", k - 1), trace.get(f"param/{n}", k)
            if before is None or after is None or before.shape != after.shape:
                continue
            if not torch.equal(before, after):
                moved = True
                break
        out.append(moved)
    return out


def never_moved(trace: Trace) -> bool:
    """True when step() ran at least once and no step changed any parameter."""
    steps = moved_steps(trace)
    return bool(steps) and not any(steps)
