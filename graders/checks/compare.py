"""Step-aligned comparison of a student trace with the reference trace, under one tolerance policy.

|yours − expected| ≤ rtol·|expected| + atol·M, M the largest |expected| of the quantity compared
(a tensor, a key over its steps, a series); neither rtol nor atol goes below float noise of the
values' dtype (`noise_floor`). `assert_close` reports the first divergence in words.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from graders.checks.feedback import Mistake, fmt_pair, plural
from graders.format.tolerance import ATOL, NOISE_ROUNDINGS, RTOL
from graders.trace.store import NO_STEP, Trace


@dataclass
class Divergence:
    key: str
    step: int | None       # None when the key has no step
    yours: torch.Tensor | None
    expected: torch.Tensor
    reason: str            # "missing", "shape", "value"


def noise_floor(*values) -> float:
    """The smallest rtol/atol a comparison of these values may use: NOISE_ROUNDINGS machine
    epsilons of the least precise floating dtype among them (float32: 7.6e-6; Python numbers
    and float64: 1.4e-14)."""
    eps = torch.finfo(torch.float64).eps
    for v in values:
        if isinstance(v, torch.Tensor) and v.is_floating_point():
            eps = max(eps, torch.finfo(v.dtype).eps)
    return NOISE_ROUNDINGS * eps


def _f64(v) -> torch.Tensor:
    """v (a tensor, a number or a list of numbers) in float64, without a float32 detour."""
    if isinstance(v, torch.Tensor):
        return v.detach().to(torch.float64)
    return torch.as_tensor(v, dtype=torch.float64)


def magnitude(*tensors) -> float:
    """The largest finite |value| among tensors (or numbers): the M of the policy."""
    m = 0.0
    for t in tensors:
        t = _f64(t)
        if t.numel():
            t = t.abs()
            t = t[torch.isfinite(t)]
            if t.numel():
                m = max(m, float(t.max()))
    return m


def excess(yours, expected, rtol: float = RTOL, atol: float = ATOL,
           scale: float | None = None) -> float:
    """How far yours is from expected, in units of the allowed difference (≤ 1: close; inf for
    a shape mismatch, a NaN, or an infinity where the other has a finite value)."""
    floor = noise_floor(yours, expected)
    y, e = _f64(yours), _f64(expected)
    if y.shape != e.shape:
        return float("inf")
    if not y.numel():
        return 0.0
    if torch.isnan(y).any() or torch.isnan(e).any():
        return float("inf")
    finite = torch.isfinite(e)
    if not bool(torch.equal(y[~finite], e[~finite])) or not bool(torch.isfinite(y[finite]).all()):
        return float("inf")
    m = magnitude(e) if scale is None else float(scale)
    allowed = max(rtol, floor) * e[finite].abs() + max(atol, floor) * m
    diff = (y[finite] - e[finite]).abs()
    if not diff.numel():
        return 0.0
    zero = allowed == 0
    if bool((diff[zero] > 0).any()):
        return float("inf")
    return float((diff[~zero] / allowed[~zero]).max()) if bool((~zero).any()) else 0.0


def worst_element(yours: torch.Tensor, expected: torch.Tensor) -> int:
    """The flat index of the element of yours furthest from expected (relative to its size)."""
    y = yours.detach().to(torch.float64).reshape(-1)
    e = expected.detach().to(torch.float64).reshape(-1)
    off = torch.nan_to_num((y - e).abs() / (e.abs() + magnitude(e) * 1e-3 + 1e-300), nan=float("inf"))
    return int(torch.argmax(off))


def close(a, b, rtol: float = RTOL, atol: float = ATOL, scale: float | None = None) -> bool:
    """True when a matches the expected b under the policy: same shape, and every element
    within rtol·|b| + atol·M (M = scale, or max|b| when not given); NaN never matches."""
    return excess(a, b, rtol, atol, scale) <= 1.0


def ratio_to(yours, expected, candidates=(-1.0, 0.5, 2.0)) -> float | None:
    """If yours ≈ c · expected for one of the candidate factors c, return c (else None)."""
    y, e = torch.as_tensor(yours, dtype=torch.float64), torch.as_tensor(expected, dtype=torch.float64)
    if y.shape != e.shape or not torch.isfinite(y).all() or e.abs().max() < 1e-12:
        return None
    for c in candidates:
        if close(y, c * e, rtol=1e-4, atol=1e-6):
            return c
    return None


def key_magnitude(trace: Trace, key: str) -> float:
    """magnitude() of every value recorded under key (once per trace and key: a collected
    session works it out for its reference traces before it forks its jobs)."""
    return trace.remember(("magnitude", key), lambda: magnitude(*trace.series(key)))


def first_divergence(student: Trace, reference: Trace, keys, rtol: float = RTOL,
                     atol: float = ATOL) -> Divergence | None:
    """The earliest step (then first key in order) where student differs from reference. M is
    the largest |reference value| over all the keys and steps compared. (Once per pair of
    traces, keys and tolerances: graders ask again; the traces must not change.)"""
    keys = [keys] if isinstance(keys, str) else list(keys)
    memo = getattr(student, "memo", None)
    memo_key = ("first_divergence", id(reference), tuple(keys), rtol, atol)
    hit = memo.get(memo_key) if isinstance(memo, dict) else None
    if hit is not None and hit[0] is reference:     # (the reference kept: its id stays its own)
        return hit[1]
    d = _first_divergence(student, reference, keys, rtol, atol)
    if isinstance(memo, dict):
        memo[memo_key] = (reference, d)
    return d


def _first_divergence(student: Trace, reference: Trace, keys: list, rtol: float,
                      atol: float) -> Divergence | None:
    steps = sorted({s for k in keys for s in reference.steps(k)})
    scale = max([0.0, *(key_magnitude(reference, k) for k in keys)])   # = magnitude of them all
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
            if not close(got, exp, rtol, atol, scale):
                return Divergence(k, step, got, exp, "value")
    return None


def assert_close(student: Trace, reference: Trace, keys, what: str = "your result",
                 rtol: float = RTOL, atol: float = ATOL, hint: str = "",
                 diagnosis: str | None = None) -> None:
    """Raise a Mistake describing the first divergence between student and reference."""
    d = first_divergence(student, reference, keys, rtol, atol)
    if d is None:
        return
    at = "" if d.step is None else f" at step {d.step + 1}"
    if d.reason == "missing":
        msg = f"{what}{at} was never produced; expected {fmt_pair(None, d.expected)[1]}."
    elif d.reason == "shape":
        msg = (f"{what}{at} has shape {list(d.yours.shape)}, expected {list(d.expected.shape)}.")
    elif d.expected.numel() > 8:      # too many values to quote: the one furthest off
        i = worst_element(d.yours, d.expected)
        yours, expected = fmt_pair(d.yours.reshape(-1)[i], d.expected.reshape(-1)[i])
        where = list(torch.unravel_index(torch.tensor(i), tuple(d.expected.shape)))
        msg = (f"{what}{at} differs: element {[int(j) for j in where]} is {yours}, "
               f"expected {expected}.")
    else:
        yours, expected = fmt_pair(d.yours, d.expected)
        msg = f"{what}{at} is {yours}, expected {expected}."
    raise Mistake(msg + (f" {hint}" if hint else ""), diagnosis)


def assert_series_close(yours, expected, what: str, rtol: float = RTOL, atol: float = ATOL,
                        hint: str = "", diagnosis: str | None = None) -> None:
    """Compare two lists of values element by element (M: the largest |expected| of the whole
    series); report the first that differs."""
    scale = magnitude(*expected)
    for i, e in enumerate(expected):
        if i >= len(yours):
            raise Mistake(f"{what} stops after {plural(len(yours), 'value')}; expected {len(expected)}."
                          + (f" {hint}" if hint else ""), diagnosis)
        if not close(yours[i], e, rtol, atol, scale):
            y, x = fmt_pair(yours[i], e)
            raise Mistake(f"{what} number {i + 1} is {y}, expected {x}."
                          + (f" {hint}" if hint else ""), diagnosis)
    if len(yours) > len(expected):
        raise Mistake(f"{what} has {plural(len(yours), 'value')}; expected {len(expected)}."
                      + (f" {hint}" if hint else ""), diagnosis)
