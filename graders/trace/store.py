"""Trace: recorded tensors by (key, step) plus JSON info and metadata; saved as safetensors + JSON.

Loading never unpickles: safetensors (graders.trace.tensorfile) for tensors, json for the rest,
both size-checked first.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
from graders.trace import tensorfile

TENSORS_FILE = "trace.safetensors"
INFO_FILE = "trace.json"
NO_STEP = -1


class TraceFormatError(ValueError):
    """A trace on disk is missing, too large or malformed."""


class TraceKeyError(KeyError):
    """A strict trace (the reference a grader reads) was asked for a key it never recorded:
    a typo in the grader, or a `trace.record` the scenario does not make."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


_NO_DEFAULT = object()


@dataclass
class Trace:
    """Tensors keyed by name and step (step -1 when none), JSON-able info, and metadata.

    A strict trace (graders get the reference as one) raises TraceKeyError, listing the keys
    it has, when asked for a key it never recorded; a student's trace answers None instead,
    because a missing key there is the student's mistake for the grader to report."""

    tensors: dict[str, dict[int, torch.Tensor]] = field(default_factory=dict)
    info: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    strict: bool = field(default=False, compare=False)
    # what checks derived from this trace (see `remember`); never saved
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    def keys(self) -> list[str]:
        return sorted(self.tensors)

    def has(self, key: str) -> bool:
        return key in self.tensors

    def steps(self, key: str) -> list[int]:
        """The steps recorded under key ([] for an unknown key; a strict trace raises)."""
        return sorted(self._by_step(key))

    def get(self, key: str, step: int | None = None, default=_NO_DEFAULT) -> torch.Tensor | None:
        """The tensor recorded under key at step (no step: the value recorded without one).
        Absent: `default` when given; else None, except that a strict trace (the reference)
        raises TraceKeyError for a key it never recorded at all."""
        if default is not _NO_DEFAULT:
            return self.tensors.get(key, {}).get(NO_STEP if step is None else step, default)
        return self._by_step(key).get(NO_STEP if step is None else step)

    def series(self, key: str) -> list[torch.Tensor]:
        """Every value recorded under key, in step order."""
        by_step = self._by_step(key)
        return [by_step[s] for s in sorted(by_step)]

    def _by_step(self, key: str) -> dict[int, torch.Tensor]:
        by_step = self.tensors.get(key)
        if by_step is None:
            if self.strict:
                raise TraceKeyError(self.unknown_key(key))
            return {}
        return by_step

    def unknown_key(self, key: str) -> str:
        """The author-facing sentence for a key this trace never recorded."""
        keys = self.keys()
        close = difflib.get_close_matches(key, keys, n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(repr(k) for k in close)}?" if close else ""
        shown = ", ".join(keys[:30]) + (f", ... ({len(keys)} keys)" if len(keys) > 30 else "")
        return (f"the reference trace has no key {key!r}.{hint} It has: {shown or 'no keys'}. "
                f"Fix the key in the grader, or record it in scenario.py (trace.record) and run "
                f"`tracegrade trace`; for a key that may be absent use get(key, step, default=None).")

    def floats(self, key: str) -> list[float]:
        """A scalar series as Python floats (a loss curve, say)."""
        return [float(t.reshape(-1)[0]) if t.numel() else float("nan") for t in self.series(key)]

    def last(self, key: str) -> torch.Tensor | None:
        s = self.series(key)
        return s[-1] if s else None

    def remember(self, key, compute):
        """compute() once per trace and key (checks that several graders run call this)."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def remember_against(self, other, key, compute):
        """compute() once per trace, other trace and key: for checks that compare this trace
        with another (the reference). The other trace is held with the answer, so a new trace
        that reuses a freed one's id is not taken for it."""
        memo_key = (key, id(other))
        hit = self.memo.get(memo_key)
        if hit is not None and hit[0] is other:
            return hit[1]
        value = compute()
        self.memo[memo_key] = (other, value)
        return value

    def prefixed(self, prefix: str) -> list[str]:
        """Keys that start with prefix (e.g. 'grad/' for all parameter gradients)."""
        return [k for k in self.keys() if k.startswith(prefix)]


def save_trace(trace: Trace, folder: Path) -> int:
    """Write the trace into folder; returns the number of bytes written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    flat = {}
    for key, by_step in trace.tensors.items():
        for step, t in by_step.items():
            flat[f"{key}@{step}"] = t.detach().to("cpu")
    blob = tensorfile.dumps(flat)
    text = json.dumps({"info": trace.info, "meta": trace.meta}, sort_keys=True, allow_nan=True)
    (folder / TENSORS_FILE).write_bytes(blob)
    (folder / INFO_FILE).write_text(text, encoding="utf-8")
    return len(blob) + len(text)


def load_trace(folder: Path, max_bytes: int = 64 << 20, strict: bool = False) -> Trace:
    """Read a trace folder written by save_trace (possibly by untrusted code): data only.
    strict: unknown keys raise TraceKeyError (see Trace)."""
    folder = Path(folder)
    tpath, ipath = folder / TENSORS_FILE, folder / INFO_FILE
    for p in (tpath, ipath):
        if not p.is_file() or p.is_symlink():
            raise TraceFormatError(f"{p.name} is missing")
    size = tpath.stat().st_size + ipath.stat().st_size
    if size > max_bytes:
        raise TraceFormatError(f"trace is {size} bytes, over the {max_bytes} byte cap")
    try:
        flat = tensorfile.loads(_read(tpath))
        doc = json.loads(ipath.read_text(encoding="utf-8"))
    except Exception as e:  # malformed input from an untrusted writer
        raise TraceFormatError(f"trace is malformed: {e}") from None
    if not isinstance(doc, dict):
        raise TraceFormatError("trace.json is not an object")
    tensors: dict[str, dict[int, torch.Tensor]] = {}
    for name, t in flat.items():
        key, _, step = name.rpartition("@")
        if key == "__empty__":          # written by earlier versions for a trace with no tensors
            continue
        try:
            tensors.setdefault(key, {})[int(step)] = t
        except ValueError:
            raise TraceFormatError(f"bad tensor name {name!r}") from None
    info, meta = doc.get("info", {}), doc.get("meta", {})
    if not isinstance(info, dict) or not isinstance(meta, dict):
        raise TraceFormatError("trace.json info/meta are not objects")
    return Trace(tensors=tensors, info=info, meta=meta, strict=strict)


def _read(path: Path) -> bytearray:
    """The file's bytes in a writable buffer (tensors are views of it, without a copy)."""
    with open(path, "rb", buffering=0) as f:
        buf = bytearray(path.stat().st_size)
        view, got = memoryview(buf), 0
        while got < len(buf):
            n = f.readinto(view[got:])
            if not n:
                raise TraceFormatError(f"{path.name} is shorter than it was")
            got += n
    return buf
