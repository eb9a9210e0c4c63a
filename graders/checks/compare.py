"""Step-aligned comparison of a student trace with the reference trace.

`first_divergence` finds the first (step, key) where they differ; `assert_close` turns it into a
Mistake that says where, yours vs expected, and (when given) which mistake it looks like.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from graders.checks.feedback import Mistake, fmt
from graders.trace.store import NO_STEP, Trace


@dataclass
class Divergence:
    key: str
    step: int | None       # None when the key has no step
    yours: torch.Tensor | None
    expected: torch.Tensor
    reason: str            # "missing", "shape", "value"


def close(a, b, rtol: float = 1e-5, atol: float = 1e-6) -> bool:
    """True when tensors (or numbers) have the same shape and are allclose; NaN never matches."""
    a, b = torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64)
    if a.shape != b.shape:
        return False
    return bool(torch.allclose(a, b, rtol=rtol, atol=atol))


def ratio_to(yours, expected, candidates=(-1.0, 0.5, 2.0)) -> float | None:
    """If yours ≈ c · expected for one of the candidate factors c, return c (else None)."""
    y, e = torch.as_tensor(yours, dtype=torch.float64), torch.as_tensor(expected, dtype=torch.float64)
    if y.shape != e.shape or not torch.isfinite(y).all() or e.abs().max() < 1e-12:
        return None
    for c in candidates:
        if torch.allclose(y, c * e, rtol=1e-4, atol=1e-8):
            return c
    return None


def first_divergence(student: Trace, reference: Trace, keys, rtol: float = 1e-5,
                     atol: float = 1e-6) -> Divergence | None:
    """The earliest step (then first key in order) where student differs from reference."""
    keys = [keys] if isinstance(keys, str) else list(keys)
    steps = sorted({s for k in keys for s in reference.steps(k)})
    for s in steps:
        for k in keys:
            exp = reference.tensors.get(k, {}).get(s)
            if exp is None:
                continue
            got = student.tensors.get(k, {}).get(s)
            step = None if s == NO_STEP else s
            if got is None:
                return Divergence(k, step, None, exp, "missing")
            if tuple(got.shape) != tuple(exp.shape):
                return Divergence(k, step, got, exp, "shape")
            if not close(got, exp, rtol, atol):
                return Divergence(k, step, got, exp, "value")
    return None


def assert_close(student: Trace, reference: Trace, keys, what: str = "your result",
                 rtol: float = 1e-5, atol: float = 1e-6, hint: str = "",
                 diagnosis: str | None = None) -> None:
    """Raise a Mistake describing the first divergence between student and reference."""
    d = first_divergence(student, reference, keys, rtol, atol)
    if d is None:
        return
    at = "" if d.step is None else f" at step {d.step + 1}"
    if d.reason == "missing":
        msg = f"{what}{at} was never produced; expected {fmt(d.expected)}."
    elif d.reason == "shape":
        msg = (f"{what}{at} has shape {list(d.yours.shape)}, expected {list(d.expected.shape)}.")
    else:
        msg = f"{what}{at} is {fmt(d.yours)}, expected {fmt(d.expected)}."
    raise Mistake(msg + (f" {hint}" if hint else ""), diagnosis)


def assert_series_close(yours, expected, what: str, rtol: float = 1e-5, atol: float = 1e-6,
                        hint: str = "", diagnosis: str | None = None) -> None:
    """Compare two lists of values element by element; report the first that differs."""
    for i, e in enumerate(expected):
        if i >= len(yours):
            raise Mistake(f"{what} stops after {len(yours)} values; expected {len(expected)}."
                          + (f" {hint}" if hint else ""), diagnosis)
        if not close(yours[i], e, rtol, atol):
            raise Mistake(f"{what} number {i + 1} is {fmt(yours[i])}, expected {fmt(e)}."
                          + (f" {hint}" if hint else ""), diagnosis)
    if len(yours) > len(expected):
        raise Mistake(f"{what} has {len(yours)} values; expected {len(expected)}."
                      + (f" {hint}" if hint else ""), diagnosis)
