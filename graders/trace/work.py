"""Counts the work a call into the submission does in torch: the elements its torch calls
produce, seen by a TorchFunctionMode pushed around the call.

A finite-difference gradient evaluates the model once or twice per weight, so its work is many
times that of a derived backward pass; graders compare it with the reference's on the same call.
"""
from __future__ import annotations

import torch
from torch.overrides import TorchFunctionMode

_Tensor = torch.Tensor
_push = torch._C._push_on_torch_function_stack
_pop = torch._C._pop_torch_function_stack
_depth = torch._C._len_torch_function_stack
_at = torch._C._get_function_stack_at


class WorkCounter(TorchFunctionMode):
    """Adds up the number of elements of every tensor a torch call returns while it is on the
    torch-function stack (start() .. stop())."""

    def __init__(self):
        super().__init__()
        self.elements = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if isinstance(out, _Tensor):
            self.elements += out.numel()
        elif isinstance(out, (tuple, list)):
            for o in out[:16]:
                if isinstance(o, _Tensor):
                    self.elements += o.numel()
        return out

    def start(self) -> "WorkCounter":
        _push(self)
        return self

    def stop(self) -> bool:
        """Take the counter off the stack; False when it was no longer on top (the call took it
        off, or left modes of its own above it: those are dropped too)."""
        n = _depth()
        if n and _at(n - 1) is self:
            _pop()
            return True
        while n and _at(n - 1) is not self:
            _pop()
            n -= 1
        if n:
            _pop()
        return False
