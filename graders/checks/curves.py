"""Outcome checks on a loss curve: where it stops being finite, where it rises, when it gets
below a threshold; plus the MSE curve of a linear model recomputed from its recorded parameters
and the curvatures of that problem (which say whether a learning rate is too small or too large).

For exercises that accept any run with the right outcome instead of one reference run.
"""
from __future__ import annotations

import math

import torch

from graders.trace.store import Trace


def linear_mse_curve(trace: Trace, x: torch.Tensor, y: torch.Tensor, weight: str = "weight",
                     bias: str = "bias") -> list[float]:
    """MSE of pred = x @ W.T + b on (x, y) for the parameters before the first step and after
    each step a TracingOptimizer recorded (param/<weight>, param/<bias>), in float64.

    Recomputed by the trusted grader, so it does not depend on how the student computed a loss.
    """
    x, y = x.to(torch.float64), y.to(torch.float64)
    curve = []
    for step in trace.steps(f"param/{weight}"):
        w = trace.get(f"param/{weight}", step)
        b = trace.get(f"param/{bias}", step)
        if w is None or b is None:
            break
        pred = x @ w.to(torch.float64).reshape(-1, x.shape[1]).T + b.to(torch.float64)
        curve.append(float(((pred - y) ** 2).mean()))
    return curve


def linear_mse_curvatures(x: torch.Tensor) -> list[float]:
    """Eigenvalues, smallest first, of the Hessian of the MSE of pred = x @ W.T + b in (W, b):
    2/N · [x 1]ᵀ[x 1]. Gradient descent at rate lr multiplies the error along eigenvalue h by
    (1 - lr·h) per step: it shrinks when 0 < lr·h < 2, and bounces when lr·h > 1."""
    x = x.to(torch.float64).reshape(x.shape[0], -1)
    a = torch.cat([x, torch.ones(x.shape[0], 1, dtype=torch.float64)], dim=1)
    return [float(v) for v in torch.linalg.eigvalsh(2.0 / x.shape[0] * a.T @ a)]


def slowest_direction(lr: float, curvatures: list[float]) -> tuple[float, float]:
    """(h, 1 - lr·h) for the curvature h whose error shrinks slowest at learning rate lr."""
    return max(((h, 1.0 - lr * h) for h in curvatures), key=lambda hf: abs(hf[1]))


def first_nonfinite(curve: list[float], overflow: float = math.inf) -> int | None:
    """Index of the first NaN or infinite value, or None. Values of magnitude `overflow` or more
    count as infinite too (pass the float32 maximum when the run itself was in float32)."""
    return next((i for i, v in enumerate(curve) if not math.isfinite(v) or abs(v) >= overflow),
                None)


def first_rise(curve: list[float], rtol: float = 1e-3, atol: float = 1e-7) -> int | None:
    """Index k of the first value higher than the one before it (beyond rounding: more than
    rtol relative plus atol absolute), or None when the curve never goes up."""
    for k in range(1, len(curve)):
        if curve[k] > curve[k - 1] * (1 + rtol) + atol:
            return k
    return None


def first_below(curve: list[float], threshold: float) -> int | None:
    """Index of the first value strictly below threshold, or None."""
    return next((i for i, v in enumerate(curve) if v < threshold), None)
