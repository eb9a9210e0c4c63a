"""Where a student's gradients stop being fresh: the first optimizer step whose gradient holds
leftovers from earlier backward passes (nothing cleared them), or that reuses the previous
step's gradient with no backward pass in between (step() called twice), worded for the student.

Reads the `grad/<p>@k` and `fresh_grad/<p>@k` keys and the events a TracingOptimizer records.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from graders.checks.feedback import fmt
from graders.trace.store import Trace


@dataclass
class StaleGrad:
    """One step's gradient as step() saw it, and the part this step's backward pass produced."""

    step: int          # 0-based step index
    param: str
    used: torch.Tensor
    fresh: torch.Tensor

    @property
    def leftover(self) -> torch.Tensor:
        return self.used - self.fresh


def repeated_step(trace: Trace) -> int | None:
    """The first step (0-based) that runs with no backward pass since the previous step, after
    a backward pass has run at all: step() called twice for one batch. None when there is none."""
    k, backward, since = -1, False, False
    for e in trace.info.get("events", []):
        if e == "backward":
            backward = since = True
        elif e == "step":
            k += 1
            if k > 0 and backward and not since:
                return k
            since = False
    return None


def first_stale_grad(trace: Trace, atol: float = 1e-7, rtol: float = 1e-5) -> StaleGrad | None:
    """The earliest step (then parameter) whose gradient is not just this step's fresh one (a
    step with no backward pass since the previous one is a repeated step, not a stale one)."""
    names = [k[len("grad/"):] for k in trace.prefixed("grad/")]
    steps = sorted({s for n in names for s in trace.steps(f"grad/{n}")})
    repeated = _steps_without_backward(trace)
    for k in steps:
        if k in repeated:
            continue
        for n in names:
            used, fresh = trace.get(f"grad/{n}", k), trace.get(f"fresh_grad/{n}", k)
            if used is None or fresh is None or used.shape != fresh.shape:
                continue
            if (used - fresh).abs().max() > max(atol, rtol * float(fresh.abs().max())):
                return StaleGrad(k, n, used, fresh)
    return None


def _steps_without_backward(trace: Trace) -> set[int]:
    k, since, out = -1, False, set()
    for e in trace.info.get("events", []):
        if e == "backward":
            since = True
        elif e == "step":
            k += 1
            if not since:
                out.add(k)
            since = False
    return out


def explain_stale(s: StaleGrad) -> str:
    """A sentence naming the step, the parameter and the leftover, e.g. for grads_accumulate."""
    return (f"At step {s.step + 1}, optimizer.step() used a gradient of {fmt(s.used)} for "
            f"`{s.param}`, but this batch alone gives {fmt(s.fresh)}: the other {fmt(s.leftover)} "
            f"is left over from earlier batches. The gradients are not cleared between batches, so "
            f"each step uses the running sum. Clear them once per batch (optimizer.zero_grad()) before "
            f"loss.backward().")
