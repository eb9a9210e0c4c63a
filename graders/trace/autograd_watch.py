"""Detects that autograd ran during calls into a derive-by-hand submission, by what the engine
did (not by which Python name was called), and notes what it saw and where in the trace.

Each call's torch work is also counted (graders.trace.work) so graders can spot finite
differences.

Layers (see docs/security.md, "Derive-by-hand integrity"): the engine's node counter, a
saved-tensor hook, a forward-AD tripwire in the dispatcher, the tensors that come back, and an
audit hook for the means of tampering; each installed piece is checked again after every call.
"""
from __future__ import annotations

import _thread
import sys
import threading
import warnings

import torch

from graders.trace.work import WorkCounter

# Captured once, at import (in the zygote, before any student code): later rebinding of these
# names in torch does not reach the watch.
_sequence_nr = torch._C._autograd._get_sequence_nr
_push_hooks = torch._C._autograd._push_saved_tensors_default_hooks
_pop_hooks = torch._C._autograd._pop_saved_tensors_default_hooks
_top_hooks = torch._C._autograd._top_saved_tensors_default_hooks
_grad_enabled = torch._C.is_grad_enabled
_set_grad_enabled = torch._C._set_grad_enabled
_make_dual = torch._make_dual
_Tensor = torch.Tensor
_Library = torch.library.Library

MAX_EVENTS = 20
OUTSIDE = "outside"                   # the label of what happens in the window between calls
TRIPWIRE_KEYS = ("AutogradCPU", "ADInplaceOrView")   # forward AD cannot start below both
SELF_TEST_LEVEL = -7_340_033          # a level no forward-AD call can use: the watch's own check

# Audit events that reach the watch's own objects or raw memory; honest code has no use for them
# while the exercise calls it (exec, compile and sys._getframe are left out: namedtuple uses them).
TAMPER_EVENTS = {
    "gc.get_objects": "walked the garbage collector's objects (gc.get_objects)",
    "gc.get_referrers": "walked the garbage collector's objects (gc.get_referrers)",
    "gc.get_referents": "walked the garbage collector's objects (gc.get_referents)",
    "sys.settrace": "installed a tracing function (sys.settrace)",
    "sys.setprofile": "installed a profiling function (sys.setprofile)",
    "os.fork": "started another process", "os.forkpty": "started another process",
    "os.posix_spawn": "started another process", "subprocess.Popen": "started another process",
    "os.system": "started another process",
}
THREAD = "started a thread (autograd in another thread is out of the watch's sight)"
THREAD_STARTERS = ((_thread, "start_new_thread"), (_thread, "start_joinable_thread"),
                   (threading, "_start_new_thread"), (threading, "_start_joinable_thread"))
CTYPES_HARMLESS = {"ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle", "ctypes.get_errno",
                   "ctypes.set_errno"}

HOW = {
    "graph": "autograd recorded a computation graph (tensors that require grad, in grad mode)",
    "forward_ad": "forward-mode autograd (dual numbers, torch.func.jvp/jacfwd) was started",
    "returned_graph": "a returned tensor carries an autograd graph (a grad_fn)",
    "input_grad": "a tensor the exercise passed in got a .grad",
    "tampered": "switched off part of the autograd watch",
}


class AutogradSeen(RuntimeError):
    """Raised into student code when it starts forward-mode autograd."""


def student_line() -> int | None:
    """The line of the innermost frame in the submission's file (compiled under a bare file
    name, so the only relative path on the stack), or None."""
    f = sys._getframe(1)
    while f is not None:
        name = f.f_code.co_filename
        if name and not name.startswith(("/", "<")):
            return f.f_lineno
        f = f.f_back
    return None


def _line_of(e: BaseException) -> int | None:
    """The last line of the submission's file in the exception's traceback, or None."""
    tb, line = e.__traceback__, None
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name and not name.startswith(("/", "<")):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


class Watch:
    """One window (a scenario's block of calls into the submission). `call(label, fn, args)`
    runs one call under every layer; `events` lists what was seen, at most once per kind and
    label. `close()` ends the window; the owner writes `events` into the trace."""

    def __init__(self, count_work: tuple[str, ...] = ("gradients#",)):
        self.count_work = count_work      # labels whose calls get their torch work counted
        self.events: list[dict] = []
        self.work: dict[str, int] = {}
        self.label = OUTSIDE
        self.active = False
        self._lib = None
        self._armed = False
        self._pack = lambda t: (self._note_graph("graph"), t)[1]
        self._unpack = lambda t: t
        self._start = _sequence_nr()
        self._protected = len(_PROTECTED)
        _install_audit()

    # ---- the window -----------------------------------------------------------------------
    def open(self) -> "Watch":
        _WATCHES.append(self)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._lib = _Library("aten", "IMPL")
            for key in TRIPWIRE_KEYS:
                self._lib.impl("_make_dual", self._tripwire, key)
        self._threads = [(owner, name, getattr(owner, name)) for owner, name in THREAD_STARTERS
                         if hasattr(owner, name)]
        for owner, name, original in self._threads:
            setattr(owner, name, self._thread_starter(original))
        self.active = True
        return self

    def close(self) -> None:
        """End the window; anything the counter saw outside the calls (at import, or in an
        object a call returned, when the scenario used it) is noted."""
        self.active = False
        if _sequence_nr() != self._start:
            self.note("graph", OUTSIDE)
        self._check_protected(OUTSIDE)
        for owner, name, original in self._threads:
            setattr(owner, name, original)
        if self._lib is not None:
            self._lib._destroy()
            self._lib = None
        if _WATCHES and _WATCHES[-1] is self:
            _WATCHES.pop()

    # ---- one call -------------------------------------------------------------------------
    def call(self, label: str, fn, args):
        """fn(*args) with every layer on; what it set off is noted under label."""
        self.label = label
        before = _sequence_nr()
        try:
            _push_hooks(self._pack, self._unpack)
        except RuntimeError:           # saved-tensor hooks were disabled by earlier student code
            self.note("tampered", label, detail="disabled saved-tensor hooks")
            torch._C._autograd._saved_tensors_hooks_enable()
            _push_hooks(self._pack, self._unpack)
        counter = WorkCounter().start() if label.startswith(self.count_work) else None
        try:
            result = fn(*args)
        except RuntimeError as e:
            if "saved tensor hooks" not in str(e):    # torch.func refuses to run under the hook
                raise
            self.note("graph", label, line=_line_of(e))
            raise AutogradSeen("This exercise asks you to derive the gradient yourself; "
                               "torch.func computes it for you, so it is switched off here.") from None
        finally:
            if counter is not None:
                if not counter.stop():
                    self.note("tampered", label, detail="changed the torch-function mode stack")
                self.work[label] = counter.elements
            self._after(label, before, args)
        self._check_tensors(label, result, "returned_graph")
        return result

    def _after(self, label: str, before: int, args) -> None:
        top = _top_hooks(False)
        if top is not None and top[0] is self._pack:
            _pop_hooks()
        else:
            self.note("tampered", label, detail="replaced the grader's saved-tensor hook")
            while top is not None and top[0] is not self._pack:   # leave theirs, drop ours
                _pop_hooks()
                top = _top_hooks(False)
            if top is not None:
                _pop_hooks()
        after = _sequence_nr()
        if after != before:
            self.note("graph", label)
        self._start += after - before
        if _grad_enabled():
            _set_grad_enabled(False)
        self._check_protected(label)
        if not self._tripwire_armed():
            self.note("tampered", label, detail="removed the grader's forward-AD tripwire")
        self._check_tensors(label, args, "input_grad")
        self.label = OUTSIDE

    def _check_tensors(self, label: str, value, kind: str, depth: int = 0) -> None:
        if isinstance(value, _Tensor):     # a graph, or a gradient: not a flag set in passing
            if value.grad_fn is not None if kind == "returned_graph" else (
                    value.is_leaf and value.grad is not None):
                self.note(kind, label)
        elif isinstance(value, (tuple, list)) and depth < 2:
            for v in value[:8]:
                self._check_tensors(label, v, kind, depth + 1)

    # ---- layers ---------------------------------------------------------------------------
    def _note_graph(self, kind: str) -> None:
        if self.active:
            self.note(kind, self.label, line=student_line())

    def _thread_starter(self, original):
        def start(*args, **kwargs):
            if self.active:
                self.note("tampered", self.label, detail=THREAD, line=student_line())
            return original(*args, **kwargs)
        return start

    def _check_protected(self, label: str) -> None:
        if len(_PROTECTED) != self._protected:
            self.note("tampered", label, detail="changed the grader's list of its own functions")
        for owner, name, original in _PROTECTED:
            if getattr(owner, name, None) is not original:
                self.note("tampered", label, detail=f"replaced the grader's {name}")
                return

    def _tripwire(self, primal, tangent, level):
        if level == SELF_TEST_LEVEL:
            self._armed = True
            return primal.detach()
        self.note("forward_ad", self.label, line=student_line())
        raise AutogradSeen("This exercise asks you to derive the gradient yourself; forward-mode "
                           "autograd computes it for you, so it is switched off here.")

    def _tripwire_armed(self) -> bool:
        if self._lib is None:
            return False
        # the dispatcher's own path for _make_dual: only an armed tripwire answers this level
        self._armed = False
        try:
            _make_dual(_PROBE, _PROBE, level=SELF_TEST_LEVEL)
        except Exception:
            return False
        return self._armed

    def audit(self, event: str, _args) -> None:
        what = TAMPER_EVENTS.get(event)
        if what is None and event.startswith("ctypes.") and event not in CTYPES_HARMLESS:
            what = "reached raw memory through ctypes"
        if what is not None:
            self.note("tampered", self.label, detail=what, line=student_line())

    def note(self, kind: str, label: str, line: int | None = None, detail: str | None = None) -> None:
        """Keep one event per (kind, label); a later sighting may add the line."""
        for e in self.events:
            if e["kind"] == kind and e["probe"] == label:
                if e.get("line") is None and line is not None:
                    e["line"] = line
                return
        if len(self.events) >= MAX_EVENTS:
            return
        event = {"kind": kind, "probe": label, "how": detail or HOW[kind], "line": line}
        self.events.append(event)


def protect(owner, *names: str) -> None:
    """Check after every call that owner.name is still the object it is now (the grader's own
    functions and methods that the watch and the trace depend on)."""
    for name in names:
        _PROTECTED.append((owner, name, getattr(owner, name)))


_PROTECTED: list[tuple[object, str, object]] = []
_PROBE = torch.zeros(())
_WATCHES: list[Watch] = []
_AUDIT = []


def _audit_hook(event: str, args) -> None:
    if _WATCHES and (event in TAMPER_EVENTS or event.startswith("ctypes.")):
        w = _WATCHES[-1]
        if w.active:
            w.audit(event, args)


def _install_audit() -> None:
    """Add the audit hook once per process (Python offers no way to remove one)."""
    if not _AUDIT:
        sys.addaudithook(_audit_hook)
        _AUDIT.append(True)


protect(Watch, "call", "close", "note", "_after", "_check_tensors", "_tripwire", "_tripwire_armed",
        "_check_protected", "_note_graph", "_thread_starter")
protect(WorkCounter, "__torch_function__", "start", "stop")
protect(sys.modules[__name__], "_sequence_nr", "_push_hooks", "_pop_hooks", "_top_hooks",
        "_grad_enabled", "_set_grad_enabled", "_make_dual", "_Tensor", "_Library", "WorkCounter",
        "student_line", "_audit_hook", "_install_audit")
