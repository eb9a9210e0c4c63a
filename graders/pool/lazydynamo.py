"""Keeps torch.compile's machinery (torch._dynamo, sympy: ~1.9 s to import here) out of processes
that never compile, without changing what torch does in those that do.

torch wraps some optimizer methods (`Optimizer.zero_grad`, `add_param_group`, `state_dict`,
`load_state_dict`, and the functional Adam and friends) with `torch._disable_dynamo`, so that
torch.compile does not trace into them, and each optimizer's `step` with `_use_grad`, which
calls `torch._dynamo.graph_break()` around it. Both import torch._dynamo when first called, so
the first optimizer costs ~1.9 s in a fresh process. Until torch._dynamo has been imported,
though, nothing can be compiled: "run this without dynamo" is just "run this", and a graph break
does nothing. `skip_until_imported` makes each such wrapper run its function directly while that
holds, and hand over to torch's own wrappers as soon as torch._dynamo starts to be imported (an
import hook takes the primed wrappers away then, so torch.compile sees torch's own).
"""
from __future__ import annotations

import functools
import sys
import types

DYNAMO = "torch._dynamo"


_primed: list = []          # the functions primed: each is its own cached "disabled" version


class _Unprime:
    """A meta-path hook that, when torch._dynamo is about to be imported, removes every primed
    shortcut; it finds nothing itself, the usual finders do the import. It stays in
    sys.meta_path (removing it from there while the import system loops over that list would
    make the loop skip the next finder); afterwards it only compares a name per import."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == DYNAMO:
            unprime()
        return None


def unprime() -> None:
    """Take the shortcuts away: torch's wrappers work as shipped from now on."""
    while _primed:
        fn = _primed.pop()
        if getattr(fn, "__dynamo_disable", None) is fn:
            del fn.__dynamo_disable


def _wrapper_code():
    """The code object of the wrappers `torch._disable_dynamo` makes (None if torch changed)."""
    from torch import _compile
    probe = getattr(_compile, "_disable_dynamo", None)
    if probe is None:
        return None
    code = probe(lambda: None).__code__
    return code if "fn" in code.co_freevars else None


def _cells(fn: types.FunctionType) -> dict:
    return {name: cell.cell_contents for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ())
            if _filled(cell)}


def _filled(cell) -> bool:
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


def _step_code():
    """The code object of the `_use_grad` wrappers around optimizers' step (None if changed)."""
    from torch.optim import optimizer
    make = getattr(optimizer, "_use_grad_for_differentiable", None)
    if make is None:
        return None
    code = make(lambda self: None).__code__
    return code if "func" in code.co_freevars else None


def _lighter_step(original):
    """An optimizer's step as `_use_grad` runs it, minus the graph breaks, while torch._dynamo
    is not imported; torch's own wrapper (original) from then on."""
    import torch
    func = _cells(original)["func"]

    @functools.wraps(original)
    def step(*args, **kwargs):
        if DYNAMO in sys.modules:
            return original(*args, **kwargs)
        prev = torch.is_grad_enabled()
        try:
            torch.set_grad_enabled(args[0].defaults["differentiable"])
            return func(*args, **kwargs)
        finally:
            torch.set_grad_enabled(prev)
    return step


def skip_until_imported(module_prefixes: tuple[str, ...] = ("torch.optim",)) -> int:
    """Prime every `_disable_dynamo` wrapper in the loaded modules under module_prefixes (in
    their functions, their classes' methods, and one closure level down) and lighten every
    optimizer class's `_use_grad` step there. Call it before the first optimizer is made (an
    optimizer wraps its class's step once, for its profiling hooks). Does nothing once
    torch._dynamo is imported. Returns how many functions were primed or lightened."""
    if DYNAMO in sys.modules:
        return 0
    code, step_code = _wrapper_code(), _step_code()
    seen, primed = set(), 0
    found = []
    for name, mod in list(sys.modules.items()):
        if mod is None or not name.startswith(module_prefixes):
            continue
        for obj in list(vars(mod).values()):
            if not isinstance(obj, type):
                found.append(obj)
                continue
            found.extend(vars(obj).values())
            step = vars(obj).get("step")
            if step_code is not None and getattr(step, "__code__", None) is step_code:
                obj.step = _lighter_step(step)
                primed += 1
    if code is None:
        return primed
    for obj in found:
        if not isinstance(obj, types.FunctionType) or id(obj) in seen:
            continue
        seen.add(id(obj))
        inner = [obj] + [c for c in _cells(obj).values() if isinstance(c, types.FunctionType)]
        for f in inner:
            if f.__code__ is not code:
                continue
            fn = _cells(f).get("fn")
            if fn is not None and getattr(fn, "__dynamo_disable", None) is None:
                fn.__dynamo_disable = fn     # torch's wrapper calls what it finds cached there
                _primed.append(fn)
                primed += 1
    if _primed and _Unprime not in sys.meta_path:
        sys.meta_path.insert(0, _Unprime)
    return primed
