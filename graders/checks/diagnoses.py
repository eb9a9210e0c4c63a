"""Named diagnoses of classic training mistakes, read off a student trace.

`diagnose_training(student)` inspects what a TracingOptimizer recorded (events, fresh and stale
gradients, parameters) and returns the first mistake it recognises; `explain(code)` words it.
"""
from __future__ import annotations

import torch

from graders.checks.stale_grads import repeated_step
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
    "step_repeated": "optimizer.step() runs twice for one backward pass: the second call "
                     "applies the same gradient again, so each batch moves the parameters twice "
                     "as far. Call step() once per batch, after loss.backward().",
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
    """The first recognisable optimizer/gradient mistake in a trace, or None (worked out once
    per trace: several graders ask)."""
    return student.remember(("diagnose_training", atol), lambda: _diagnose(student, atol))


def _diagnose(student: Trace, atol: float) -> str | None:
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
    if repeated_step(student) is not None:
        return "step_repeated"
    flags = {n: _step_flags(student, n, steps, atol) for n in _names(student)}
    any_fresh = False
    for k in range(steps):
        for n in flags:
            fresh, cleared, stale = flags[n].get(k, (False, False, False))
            if fresh:
                any_fresh = True
                if cleared:
                    return "zero_grad_after_backward"
            if stale:
                return "grads_accumulate"
    if not any_fresh:
        return "backward_missing"
    return None


def _step_flags(student: Trace, name: str, steps: int, atol: float) -> dict[int, tuple]:
    """step -> (a fresh gradient arrived, the gradient step() saw was cleared, step() saw
    gradients left over from earlier steps), for one parameter, computed for all steps at once."""
    ks = [k for k in range(steps) if student.get(f"fresh_grad/{name}", k) is not None
          and student.get(f"grad/{name}", k) is not None]
    if not ks:
        return {}
    try:
        fresh = torch.stack([student.get(f"fresh_grad/{name}", k) for k in ks]).reshape(len(ks), -1)
        grad = torch.stack([student.get(f"grad/{name}", k) for k in ks]).reshape(len(ks), -1)
        if fresh.shape[1] == 0 or grad.shape != fresh.shape:
            raise RuntimeError("shapes differ")
    except RuntimeError:            # shapes that changed between steps: one step at a time
        return {k: _flags_of(student.get(f"fresh_grad/{name}", k), student.get(f"grad/{name}", k), atol)
                for k in ks}
    fresh_max = fresh.abs().amax(dim=1)
    grad_max = grad.abs().amax(dim=1)
    stale_max = (grad - fresh).abs().amax(dim=1)
    has_fresh = (fresh_max > atol).tolist()
    cleared = (grad_max <= atol).tolist()
    stale = (stale_max > torch.clamp(1e-5 * fresh_max, min=atol)).tolist()
    return {k: (has_fresh[i], cleared[i], stale[i]) for i, k in enumerate(ks)}


def _flags_of(fresh: torch.Tensor, grad: torch.Tensor, atol: float) -> tuple:
    fresh_max = float(fresh.abs().max()) if fresh.numel() else 0.0
    grad_max = float(grad.abs().max()) if grad.numel() else 0.0
    try:
        stale_max = float((grad - fresh).abs().max()) if grad.numel() else 0.0
    except RuntimeError:
        stale_max = float("inf")
    return fresh_max > atol, grad_max <= atol, stale_max > max(atol, 1e-5 * fresh_max)


def has_nonfinite(trace: Trace, prefix: str = "") -> bool:
    """True when any recorded tensor (under prefix) holds NaN or inf."""
    by_dtype: dict[torch.dtype, list[torch.Tensor]] = {}
    for k in trace.prefixed(prefix):
        for v in trace.series(k):
            if v.is_floating_point() and v.numel():
                by_dtype.setdefault(v.dtype, []).append(v.reshape(-1))
    return any(not bool(torch.isfinite(torch.cat(vs)).all()) for vs in by_dtype.values())
