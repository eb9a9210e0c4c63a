"""Diagnoses of finite-difference (gradient checking) mistakes, for graders that compare a
student's numerical gradient with the central difference, one-sided differences and autograd.

`diagnose_difference` names the mistake a wrong numerical gradient looks like; `MESSAGES` words it.
"""
from __future__ import annotations

import torch

from graders.checks.compare import close
from graders.checks.feedback import fmt, fmt_pair

MESSAGES = {
    "one_sided_difference": "Your numerical gradient is a one-sided difference such as "
                            "(f(x + eps) - f(x)) / eps: its error grows with eps{detail}. Use the "
                            "central difference "
                            "(f(x + eps) - f(x - eps)) / (2 * eps), whose error shrinks like eps².",
    "half_one_sided": "Your numerical gradient is (f(x + eps) - f(x)) / (2 * eps): f is never "
                      "evaluated at x - eps{detail}. If you nudge copies of x, make them real "
                      "copies: `xp = x` is a second name for the same tensor, `xp = x.clone()` is "
                      "a copy.",
    "wrong_eps_scaling": "Your numerical gradient is twice the right one: x + eps and x - eps are "
                         "2 * eps apart, so divide the difference by 2 * eps, not by eps.",
    "input_not_restored": "numerical_grad changes x: after the call, x{index} has moved by {moved} "
                          "(it is now {yours}). Work on a copy (x.clone()), or put each element "
                          "back to its old value after evaluating f.",
    "eps_ignored": "numerical_grad(f, x, {eps:g}) returns the same as numerical_grad(f, x): it "
                   "ignores its eps argument. Use the eps it is given.",
    "numerical_grad_inaccurate": "{what}: at x{index} yours is {yours}, expected {expected}. "
                                 "Nudge one element at a time by +eps and -eps, evaluate f at both "
                                 "points, and divide the difference by 2 * eps.",
}


def message(code: str, **values) -> str:
    """The student-facing sentence for a gradient-checking diagnosis, filled with values."""
    return MESSAGES[code].format(**values)


def first_bad_element(yours: torch.Tensor, expected: torch.Tensor, rtol: float, atol: float):
    """(index text, yours, expected, yours - expected), formatted, at the element that differs
    most beyond tolerance; None when every element is within it."""
    y, e = yours.to(torch.float64), expected.to(torch.float64)
    excess = (y - e).abs() - (atol + rtol * e.abs())
    excess = torch.where(torch.isnan(excess), torch.full_like(excess, float("inf")), excess)
    if y.numel() == 0 or float(excess.max()) <= 0:
        return None
    flat = int(excess.reshape(-1).argmax())
    idx = list(torch.unravel_index(torch.tensor(flat), e.shape)) if e.dim() else []
    text = "[" + ", ".join(str(int(i)) for i in idx) + "]" if idx else ""
    got, want = y.reshape(-1)[flat], e.reshape(-1)[flat]
    return text, *fmt_pair(got, want), fmt(got - want, 2)


def diagnose_difference(yours: torch.Tensor, central: torch.Tensor, forward: torch.Tensor,
                        backward: torch.Tensor, rtol: float, atol: float) -> tuple[str, str] | None:
    """(diagnosis, message key) of what a numerical gradient that is not the central difference
    looks like: a one-sided difference (over eps or 2 eps), or a central one over eps; else None."""
    if yours.shape != central.shape:
        return None
    for one_sided in (forward, backward):
        if close(yours, one_sided, rtol, atol):
            return "one_sided_difference", "one_sided_difference"
        if close(yours, 0.5 * one_sided, rtol, atol):
            return "one_sided_difference", "half_one_sided"
    if close(yours, 2 * central, rtol, atol):
        return "wrong_eps_scaling", "wrong_eps_scaling"
    return None


def max_error(yours: torch.Tensor, expected: torch.Tensor) -> str:
    """The largest absolute difference, formatted for a message."""
    return fmt(float((yours.to(torch.float64) - expected.to(torch.float64)).abs().max()), 2)
