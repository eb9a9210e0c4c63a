"""The trace library: what a scenario uses to observe student code, and the Trace it yields.

Scenarios wrap the optimizer and loss they hand to student code, hook modules, and call
`record(key, value, step=k)`; the recorded Trace serializes to safetensors + JSON.
"""
from graders.trace.recorder import Recorder, TraceLimitError, append, current, note, record, use
from graders.trace.instruments import TracingLoss, TracingOptimizer, hook_module
from graders.trace.store import Trace, TraceKeyError, load_trace, save_trace

__all__ = [
    "Recorder", "Trace", "TraceKeyError", "append", "TraceLimitError", "TracingLoss", "TracingOptimizer", "current",
    "hook_module", "load_trace", "note", "record", "save_trace", "use",
]
