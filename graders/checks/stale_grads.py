"""Where a student's gradients stop being fresh: the first optimizer step whose gradient holds
leftovers from earlier backward passes (nothing cleared them), worded for the student.

Reads the `grad/<p>@k` and `fresh_grad/<p>@k` keys a TracingOptimizer records at each step().
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


def first_stale_grad(trace: Trace, atol: float = 1e-7, rtol: float = 1e-5) -> StaleGrad | None:
    """The earliest step (then parameter) whose gradient is not just this step's fresh one."""
    names = [k[len("grad/"):] for k in trace.prefixed("grad/")]
    steps = sorted({s for n in names for s in trace.steps(f"grad/{n}")})
    for k in steps:
        for n in names:
            used, fresh = trace.get(f"grad/{n}", k), trace.get(f"fresh_grad/{n}", k)
            if used is None or fresh is None or used.shape != fresh.shape:
                continue
            if (used - fresh).abs().max() > max(atol, rtol * float(fresh.abs().max())):
                return StaleGrad(k, n, used, fresh)
    return None


def explain_stale(s: StaleGrad) -> str:
    """A sentence naming the step, the parameter and the leftover, e.g. for grads_accumulate."""
    return (f"At step {s.step + 1}, optimizer.step() used a gradient of {fmt(s.used)} for "
            f"`{s.param}`, but this batch alone gives {fmt(s.fresh)}: the other {fmt(s.leftover)} "
            f"is left over from earlier batches. The gradients are not cleared between batches, so "
            f"each step uses the running sum. Clear them once per batch (optimizer.zero_grad()) before "
            f"loss.backward().")
