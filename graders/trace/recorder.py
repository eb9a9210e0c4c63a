"""The Recorder collects a Trace while a scenario runs, enforcing count and size caps.

`record()` and `note()` write to the recorder installed by `use()` (the child installs one).
"""
from __future__ import annotations

import contextlib
import numbers

import torch

from graders.trace.store import NO_STEP, Trace
from graders.trace.tensorfile import CODES

# what `record` accepts, in the words of docs/authoring.md
RECORDABLE = ", ".join(str(dt).removeprefix("torch.") for dt in CODES)

MAX_ENTRIES = 20000
# The CPU kernels torch uses here (AVX512, AVX2, DEFAULT...; ATEN_CPU_CAPABILITY overrides),
# resolved when the trace library is imported: a zygote imports it before any sandbox, where
# torch cannot read the CPU's features and would fall back to the slower DEFAULT kernels, whose
# float results differ from the others' in the last bits.
CPU_CAPABILITY = torch.backends.cpu.get_cpu_capability()


class TraceLimitError(RuntimeError):
    """The scenario (or the student code it drives) recorded more than the caps allow."""


class Recorder:
    """Collects tensors and info into a Trace under caps (max bytes, max entries)."""

    def __init__(self, max_bytes: int = 32 << 20, max_entries: int = MAX_ENTRIES):
        self.trace = Trace()
        self.trace.meta["cpu_capability"] = CPU_CAPABILITY
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._bytes = 0
        self._entries = 0
        self._auto_steps: dict[str, int] = {}
        self.optimizers: list = []      # the TracingOptimizers recording here, oldest first

    def record(self, key: str, value, step: int | None = None) -> None:
        """Store a copy of value (tensor or number) under key at step (auto-numbered if 'auto')."""
        if step == "auto":
            step = self._auto_steps.get(key, 0)
            self._auto_steps[key] = step + 1
        t = _as_tensor(value)
        if t.dtype not in CODES:
            raise TypeError(f"trace.record({key!r}): a tensor of dtype "
                            f"{str(t.dtype).removeprefix('torch.')} cannot be stored in a trace. "
                            f"Record one of: {RECORDABLE} (for complex values, record .real and "
                            f".imag under two keys).")
        by_step = self.trace.tensors.setdefault(key, {})
        s = NO_STEP if step is None else int(step)
        if s not in by_step:
            self._entries += 1
        self._bytes += t.numel() * t.element_size()
        if self._entries > self.max_entries or self._bytes > self.max_bytes:
            raise TraceLimitError("trace_mb")
        by_step[s] = t

    def note(self, key: str, value) -> None:
        """Store a small JSON-able value in the trace info (counts, flags, shapes, events)."""
        self.trace.info[key] = value

    def append(self, key: str, value) -> None:
        """Append a JSON-able value to a list in the trace info."""
        lst = self.trace.info.setdefault(key, [])
        if len(lst) >= self.max_entries:
            raise TraceLimitError("trace_mb")
        lst.append(value)

    def optimizer_steps(self) -> int | None:
        """Steps taken so far by the scenario's latest TracingOptimizer (None when there is none):
        instruments number what they record by it, so extra calls do not shift the steps."""
        return self.optimizers[-1].steps_taken if self.optimizers else None

    def count(self, key: str) -> int:
        """Increment and return an integer counter in the trace info."""
        self.trace.info[key] = self.trace.info.get(key, 0) + 1
        return self.trace.info[key]


def _as_tensor(value) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu").clone()
    if isinstance(value, bool):
        return torch.tensor(float(value))
    if isinstance(value, numbers.Number):
        return torch.tensor(float(value), dtype=torch.float64)
    try:
        return torch.as_tensor(value).detach().clone()
    except Exception:
        raise TypeError(f"cannot record a {type(value).__name__}; record tensors or numbers") from None


_current: list[Recorder] = []


def current() -> Recorder:
    """The recorder of the running scenario (a throwaway one when none is installed)."""
    if not _current:
        _current.append(Recorder())
    return _current[-1]


@contextlib.contextmanager
def use(recorder: Recorder):
    """Install recorder as the current one for the duration of the block."""
    _current.append(recorder)
    try:
        yield recorder
    finally:
        _current.remove(recorder)


def record(key: str, value, step: int | None = None) -> None:
    """Record value under key (and step) in the current trace."""
    current().record(key, value, step)


def note(key: str, value) -> None:
    """Store a JSON-able value in the current trace's info."""
    current().note(key, value)


def append(key: str, value) -> None:
    """Append a JSON-able value to a list in the current trace's info."""
    current().append(key, value)
