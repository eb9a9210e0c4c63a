"""`Mistake`, the failure a grader raises with a student-facing message, and value formatting.

The pytest plugin reads `message` and `diagnosis` off a Mistake into the test's outcome.
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
