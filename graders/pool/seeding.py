"""torch.manual_seed without its queue for devices that are not there: on a machine without a
CUDA, XPU or MTIA device, each call still queues the seed for each of them with a formatted stack
trace (`traceback.format_stack`: every frame's file stat'ed and read; ~1.5 ms a call in a job).

`skip_absent_devices()` (in the zygotes, before any fork) makes `manual_seed_all` of each device
module whose device is unavailable and uninitialised a no-op: the queued seeds would only be
applied when that device started, which cannot happen in a process that has none. What torch
does on the CPU, and on any device that is there, is unchanged.
"""
from __future__ import annotations

import functools
import importlib

DEVICES = ("torch.cuda", "torch.xpu", "torch.mtia")


def skip_absent_devices() -> list[str]:
    """Skip the seed queue of each device module whose device is absent; the ones skipped."""
    skipped = []
    for name in DEVICES:
        try:
            mod = importlib.import_module(name)
            absent = not mod.is_available() and not mod.is_initialized()
            original = mod.manual_seed_all
        except Exception:               # (a torch without this device module: nothing queued)
            continue
        if absent and not getattr(original, "_tg_skipped", False):
            mod.manual_seed_all = _no_queue(original)
            skipped.append(name)
    return skipped


def _no_queue(original):
    @functools.wraps(original)
    def manual_seed_all(seed: int) -> None:
        int(seed)                       # (the same TypeError/ValueError for a bad seed)
    manual_seed_all._tg_skipped = True
    return manual_seed_all
