"""`Mistake`, the failure a grader raises with a student-facing message, and its wording:
number formatting (`fmt`, `fmt_pair` for two values that must look different) and `plural`.
"""
from __future__ import annotations

import math

import torch


class Mistake(AssertionError):
    """A grader's verdict that the student's code is wrong: a message and a named diagnosis."""

    def __init__(self, message: str, diagnosis: str | None = None):
        super().__init__(message)
        self.message = message
        self.diagnosis = diagnosis


def fail(message: str, diagnosis: str | None = None):
    """Raise a Mistake (use inside a grader test)."""
    raise Mistake(message, diagnosis)


def fmt(value, digits: int = 4) -> str:
    """A short human form of a number or tensor: scalars to `digits` significant digits, small
    tensors as nested lists, large ones as a shape and range."""
    if value is None:
        return "nothing"
    if isinstance(value, (int, float)):
        return _num(float(value), digits)
    if isinstance(value, torch.Tensor):
        t = value.detach().to(torch.float64)
        if t.numel() == 1:
            return _num(float(t.reshape(-1)[0]), digits)
        if t.numel() <= 8:
            return _nested(t.tolist(), digits)
        return f"a tensor of shape {list(t.shape)} (values {_num(float(t.min()), 3)} to {_num(float(t.max()), 3)})"
    return str(value)


def fmt_pair(yours, expected, digits: int = 4) -> tuple[str, str]:
    """fmt of two values that differ, with as many more digits as it takes for the two to read
    differently (up to 17), so feedback never says "yours is -1.077, expected -1.077"."""
    a, b = fmt(yours, digits), fmt(expected, digits)
    while a == b and digits < 17 and yours is not None and expected is not None:
        digits += 2 if digits < 15 else 1
        a, b = fmt(yours, digits), fmt(expected, digits)
    return a, b


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 pass', '3 passes', '0 epoch losses': n and the noun in the number it needs (many
    defaults to one + 's')."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _num(x: float, digits: int) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.{digits}g}"


def _nested(v, digits):
    if isinstance(v, list):
        return "[" + ", ".join(_nested(x, digits) for x in v) + "]"
    return _num(v, digits)
