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
    if not isinstance(student, Trace):
        return _first_divergence(student, reference, keys, rtol, atol)
    return student.remember_against(reference, ("first_divergence", tuple(keys), rtol, atol),
                                    lambda: _first_divergence(student, reference, keys, rtol, atol))


def _first_divergence(student: Trace, reference: Trace, keys: list, rtol: float,
                      atol: float) -> Divergence | None:
    scale = max([0.0, *(key_magnitude(reference, k) for k in keys)])   # = magnitude of them all
    first = None        # (step, key's position, Divergence): the earliest step, then key order
    for i, k in enumerate(keys):
        d = _first_in_key(student, reference, k, rtol, atol, scale)
        if d is not None and (first is None or (d[0], i) < first[:2]):
            first = (d[0], i, d[1])
    return None if first is None else first[2]


def _first_in_key(student: Trace, reference: Trace, key: str, rtol: float, atol: float,
                  scale: float) -> tuple[int, Divergence] | None:
    """The first step where student's key differs from reference's: (step, Divergence). The
    steps before a missing value or a changed shape are compared all at once when they share
    their shape and dtypes (one batch of tensor operations instead of one per step), with the
    same element-wise arithmetic as close(), so the verdict is the same."""
    expected = reference.tensors.get(key, {})
    got_by_step = student.tensors.get(key, {})
    steps, pairs, stop = sorted(expected), [], None
    for s in steps:
        exp, got = expected[s], got_by_step.get(s)
        step = None if s == NO_STEP else s
        if got is None:
            stop = (s, Divergence(key, step, None, exp, "missing"))
            break
        if tuple(got.shape) != tuple(exp.shape):
            stop = (s, Divergence(key, step, got, exp, "shape"))
            break
        pairs.append((s, got, exp))
    bad = _first_not_close(pairs, rtol, atol, scale)
    if bad is not None:
        s, got, exp = pairs[bad]
        return s, Divergence(key, None if s == NO_STEP else s, got, exp, "value")
    return stop


def _first_not_close(pairs: list, rtol: float, atol: float, scale: float) -> int | None:
    """The index of the first (step, yours, expected) that is not close() under scale."""
    if len(pairs) > 1 and len({(g.shape, g.dtype, e.dtype) for _, g, e in pairs}) == 1:
        failing = _not_close_rows(torch.stack([g.detach() for _, g, _ in pairs]),
                                  torch.stack([e.detach() for _, _, e in pairs]),
                                  noise_floor(pairs[0][1], pairs[0][2]), rtol, atol, scale)
        rows = torch.nonzero(failing)
        return int(rows[0, 0]) if rows.numel() else None
    for i, (_, got, exp) in enumerate(pairs):
        if not close(got, exp, rtol, atol, scale):
            return i
    return None


def _not_close_rows(yours: torch.Tensor, expected: torch.Tensor, floor: float, rtol: float,
                    atol: float, scale: float) -> torch.Tensor:
    """Row by row (dim 0: the steps), whether excess(yours[i], expected[i], scale=scale) > 1:
    the same tests, in the same arithmetic, on every row at once."""
    shape = (yours.shape[0], yours[0].numel())      # (a row may hold no value, or a scalar)
    y, e = yours.to(torch.float64).reshape(shape), expected.to(torch.float64).reshape(shape)
    finite = torch.isfinite(e)
    # where expected is ±inf yours must equal it; where it is finite, yours must be finite too
    # (so a NaN on either side fails here)
    off_inf = torch.where(finite, ~torch.isfinite(y), y != e)
    allowed = max(rtol, floor) * e.abs() + max(atol, floor) * float(scale)
    diff = (y - e).abs()
    zero = allowed == 0
    over = torch.where(zero, diff > 0, diff / torch.where(zero, 1.0, allowed) > 1.0)
    return (off_inf | (finite & over)).any(dim=1)


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
