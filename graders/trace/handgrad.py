"""Scenario tools for 'derive the gradient yourself' exercises: autograd is switched off and
watched around student calls, and what those calls set off becomes trace notes graders explain.

Use `with forbid_autograd():` around every call into the submission and `probe(label, fn, ...)`
for each call; graders read the info lists `autograd_detected` (what the watch in
graders.trace.autograd_watch saw, and where), `work` (elements each call's torch calls produced),
`autograd_blocked`, `autograd_probes`, `shape_errors`.
"""
from __future__ import annotations

import contextlib
import importlib
import sys

import torch

from graders.trace.autograd_watch import AutogradSeen, Watch, protect
from graders.trace.recorder import Recorder, current

MESSAGE = ("This exercise asks you to derive the gradient yourself; {name}() computes it for you, "
           "so it is switched off here. Write the derivatives as formulas in tensors.")

# (module, attribute) pairs that compute gradients automatically
AUTOGRAD_ENTRY_POINTS = [
    ("torch.Tensor", "backward"),
    ("torch.autograd", "backward"),
    ("torch.autograd", "grad"),
    ("torch.autograd.functional", "jacobian"),
    ("torch.autograd.functional", "hessian"),
    ("torch.autograd.functional", "vjp"),
    ("torch.autograd.functional", "jvp"),
    ("torch.autograd.functional", "vhp"),
    ("torch.autograd.functional", "hvp"),
    ("torch.func", "grad"),
    ("torch.func", "grad_and_value"),
    ("torch.func", "vjp"),
    ("torch.func", "jvp"),
    ("torch.func", "jacrev"),
    ("torch.func", "jacfwd"),
    ("torch.func", "hessian"),
]

SHAPE_ERROR_HINTS = ("shapes cannot be multiplied", "must match the size", "size mismatch",
                     "inconsistent tensor size", "expanded size", "broadcast", "doesn't match",
                     "Expected size")


class AutogradForbidden(RuntimeError):
    """Student code called autograd where the exercise asks for a hand-derived gradient."""


def _owner(path: str):
    if path == "torch.Tensor":
        return torch.Tensor
    return importlib.import_module(path)


def _blocker(name: str):
    def blocked(*_args, **_kwargs):
        current().append("autograd_blocked", name)
        raise AutogradForbidden(MESSAGE.format(name=name))
    return blocked


_watches: list = []            # the open windows' Watch.call, innermost last


@contextlib.contextmanager
def forbid_autograd(count_work: tuple[str, ...] = ("gradients#",)):
    """Within the block, gradient tracking is off, every autograd entry point raises
    AutogradForbidden (after noting its name in the trace info 'autograd_blocked'), and a Watch
    sees autograd run by any route; its events go to the trace info 'autograd_detected', and the
    torch work of the calls whose label starts with one of count_work to the info 'work'."""
    rec = current()
    watch = Watch(count_work)
    saved = []
    for path, attr in AUTOGRAD_ENTRY_POINTS:
        try:
            owner = _owner(path)
        except ImportError:
            continue
        if hasattr(owner, attr):
            saved.append((owner, attr, getattr(owner, attr)))
            short = "loss.backward" if attr == "backward" and owner is torch.Tensor else f"{path}.{attr}"
            setattr(owner, attr, _blocker(short))
    call, close = watch.open().call, watch.close     # bound now, before any student code
    _watches.append(call)
    try:
        with torch.no_grad():
            yield
    finally:
        close()
        _watches.remove(call)
        for owner, attr, original in reversed(saved):
            setattr(owner, attr, original)
        rec.trace.info["autograd_detected"] = list(watch.events)
        rec.trace.info["work"] = dict(watch.work)


def is_shape_error(e: BaseException) -> bool:
    """True for the RuntimeError torch raises when tensor shapes do not fit together."""
    text = str(e)
    return type(e) is RuntimeError and any(h in text for h in SHAPE_ERROR_HINTS)


def probe(label: str, fn, *args):
    """Call fn(*args) (under the watch of the enclosing forbid_autograd). An autograd call or a
    shape error is noted in the trace (under 'autograd_probes' / 'shape_errors', with label) and
    gives None; other errors propagate."""
    try:
        return _watches[-1](label, fn, args) if _watches else fn(*args)
    except (AutogradForbidden, AutogradSeen):
        current().append("autograd_probes", label)
        return None
    except RuntimeError as e:
        if not is_shape_error(e):
            raise
        current().append("shape_errors", {"probe": label, "error": str(e).splitlines()[0][:300]})
        return None


def as_scalar(value) -> torch.Tensor | None:
    """value (a number or a one-element tensor) as a 0-dim float64 tensor, else None."""
    try:
        t = torch.as_tensor(value.detach() if isinstance(value, torch.Tensor) else value)
    except (TypeError, ValueError, RuntimeError):
        return None
    if t.numel() != 1 or not (t.is_floating_point() or t.dtype in (torch.int32, torch.int64)):
        return None
    return t.reshape(()).to(torch.float64)


def as_tensor(value) -> torch.Tensor | None:
    """value as a float64 tensor (shape kept), or None when it is not numeric."""
    try:
        t = torch.as_tensor(value.detach() if isinstance(value, torch.Tensor) else value)
    except (TypeError, ValueError, RuntimeError):
        return None
    if not t.is_floating_point():
        return None
    return t.to(torch.float64)


def pair(value, convert) -> tuple | None:
    """A returned pair (two values) converted with convert, or None when it is not a pair."""
    if isinstance(value, torch.Tensor) and value.dim() >= 1 and value.shape[0] == 2 and convert is as_scalar:
        value = tuple(value)
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return None
    return convert(value[0]), convert(value[1])


def record_pair(got, fn: str, keys, step: int, convert) -> bool:
    """Record a returned pair of values under keys at step (converted with convert); note what
    came back in the trace info 'bad_return' when it is not such a pair."""
    if got is None:
        return False
    values = pair(got, convert)
    if values is None or None in values:
        current().append("bad_return", {"fn": fn, "type": type(got).__name__,
                                              "len": len(got) if isinstance(got, (tuple, list)) else None})
        return False
    for key, v in zip(keys, values):
        current().record(key, v, step)
    return True


protect(sys.modules[__name__], "probe", "record_pair", "as_scalar", "as_tensor", "pair")
protect(Recorder, "record", "append", "note")
