"""Named diagnoses of classic training mistakes, read off a student trace.

`diagnose_training(student)` inspects what a TracingOptimizer recorded (events, fresh and stale
gradients, parameters) and returns the first mistake it recognises; `explain(code)` words it.
"""
from __future__ import annotations

import torch

from graders.trace.store import Trace

# code -> the sentence a student reads
DIAGNOSES = {
    "grads_accumulate": "Your gradients accumulate across steps: nothing clears them, so each step "
                        "uses the sum of all gradients so far. Clear them once per step (for "
                        "example optimizer.zero_grad()) before loss.backward().",
    "zero_grad_after_backward": "Your gradients are cleared after loss.backward() and before "
                                "optimizer.step(), so step() finds no gradient and nothing is "
                                "updated. Clear them before backward().",
    "optimizer_never_stepped": "Your parameters never change: optimizer.step() is never called. "
                               "Call it after loss.backward().",
    "backward_missing": "No gradients were computed: loss.backward() is never called, so every "
                        "parameter's .grad stays None. Call it before optimizer.step().",
    "step_before_backward": "optimizer.step() runs before loss.backward(), so each update uses "
                            "stale (or no) gradients. The order is forward, loss, zero_grad, "
                            "backward, step.",
    "nonfinite": "Your values became NaN or infinite. Look for a division by zero, log(0), or a "
                 "learning rate so large that the loss explodes.",
    "sign_error": "Your result has the opposite sign of the expected one: check the sign of "
                  "your gradient or of the update (parameters move *against* the gradient).",
    "missing_factor_2": "Your result is half (or double) the expected one: the derivative of a "
                        "square brings down a factor 2.",
}


def explain(code: str) -> str:
    return DIAGNOSES.get(code, code)


def _names(trace: Trace) -> list[str]:
    return [k[len("grad/"):] for k in trace.prefixed("grad/")]


def diagnose_training(student: Trace, atol: float = 1e-7) -> str | None:
    """The first recognisable optimizer/gradient mistake in a trace, or None."""
    events = student.info.get("events", [])
    steps = student.info.get("step_calls", 0)
    if has_nonfinite(student):
        return "nonfinite"
    if steps == 0:
        if "backward" not in events:
            return "backward_missing"
        return "optimizer_never_stepped"
    if "backward" not in events:
        return "backward_missing"
    # step before backward: the first step comes before the first backward of the run
    if events.index("step") < events.index("backward"):
        return "step_before_backward"
    names = _names(student)
    any_fresh = False
    for k in range(steps):
        for n in names:
            fresh = student.get(f"fresh_grad/{n}", k)
            grad = student.get(f"grad/{n}", k)
            if fresh is None or grad is None:
                continue
            if fresh.abs().max() > atol:
                any_fresh = True
                if grad.abs().max() <= atol:
                    return "zero_grad_after_backward"
            stale = grad - fresh
            if stale.abs().max() > max(atol, 1e-5 * float(fresh.abs().max())):
                return "grads_accumulate"
    if not any_fresh:
        return "backward_missing"
    return None


def has_nonfinite(trace: Trace, prefix: str = "") -> bool:
    """True when any recorded tensor (under prefix) holds NaN or inf."""
    return any(not torch.isfinite(v).all() for k in trace.prefixed(prefix) for v in trace.series(k)
               if v.is_floating_point())

