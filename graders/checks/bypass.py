"""Training that bypasses the instruments a scenario hands to student code: parameters that
moved although the TracingOptimizer never stepped (the code built an optimizer of its own).

Needs the scenario to record `param_end/<name>` after the student's code returns.
"""
from __future__ import annotations

import torch

from graders.trace.store import Trace


def moved_without_optimizer(student: Trace) -> bool:
    """True when some parameter ended elsewhere than it started while the optimizer given to
    the student's code never stepped."""
    if student.info.get("step_calls", 0):
        return False
    for key in student.prefixed("param_end/"):
        start, end = student.get("param/" + key[len("param_end/"):]), student.get(key)
        if start is not None and end is not None and not torch.equal(start, end):
            return True
    return False
