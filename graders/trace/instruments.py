"""Instruments that observe student code: a tracing optimizer, a tracing loss, module hooks.

They record into the current Recorder; scenarios hand them to student code in place of the
plain objects, so students never log anything themselves.
"""
from __future__ import annotations

import torch

from graders.trace.recorder import Recorder, current


class TracingOptimizer:
    """Wraps a torch optimizer; records, at every step(), each parameter's gradient, the
    gradient produced by backward passes since the previous step ('fresh'), what was left over
    from before ('stale'), and the parameters after the update. Calls are logged as events
    (zero_grad, backward, step) so a missing or misplaced call shows in the trace.

    Keys: grad/<name>@k, fresh_grad/<name>@k, param/<name>@k (after step k), param/<name>@-1
    (initial). Info: events, step_calls, zero_grad_calls, grad_none (names with .grad None).
    """

    def __init__(self, optimizer: torch.optim.Optimizer, model: torch.nn.Module | None = None,
                 recorder: Recorder | None = None, prefix: str = ""):
        self._opt = optimizer
        self._rec = recorder or current()
        self._prefix = prefix
        names = {}
        if model is not None:
            names = {id(p): n for n, p in model.named_parameters()}
        self._params: list[tuple[str, torch.Tensor]] = []
        i = 0
        for group in optimizer.param_groups:
            for p in group["params"]:
                self._params.append((prefix + names.get(id(p), f"p{i}"), p))
                i += 1
        self._fresh: dict[str, torch.Tensor] = {}
        self._steps = 0
        self._hooks = [p.register_hook(self._make_hook(n)) for n, p in self._params if p.requires_grad]
        for name, p in self._params:
            self._rec.record(f"param/{name}", p)
        self._rec.note("step_calls", 0)
        self._rec.note("zero_grad_calls", 0)
        self._rec.trace.info.setdefault("events", [])

    # -- observation ----------------------------------------------------------------------
    def _make_hook(self, name: str):
        def hook(grad):
            prev = self._fresh.get(name)
            self._fresh[name] = grad.detach().clone() if prev is None else prev + grad.detach()
            events = self._rec.trace.info["events"]
            if not events or events[-1] != "backward":
                self._rec.append("events", "backward")
            return None
        return hook

    def zero_grad(self, set_to_none: bool = True) -> None:
        self._rec.count("zero_grad_calls")
        self._rec.append("events", "zero_grad")
        self._opt.zero_grad(set_to_none=set_to_none)

    def step(self, closure=None):
        k = self._steps
        self._rec.count("step_calls")
        self._rec.append("events", "step")
        none = []
        for name, p in self._params:
            fresh = self._fresh.get(name)
            if p.grad is None:
                none.append(name)
                grad = torch.zeros_like(p)
            else:
                grad = p.grad
            self._rec.record(f"grad/{name}", grad, k)
            self._rec.record(f"fresh_grad/{name}", fresh if fresh is not None else torch.zeros_like(p), k)
        if none:
            self._rec.append("grad_none", {"step": k, "params": none})
        self._fresh = {}
        out = self._opt.step(closure) if closure is not None else self._opt.step()
        for name, p in self._params:
            self._rec.record(f"param/{name}", p, k)
        self._steps += 1
        return out

    # -- pass-through -----------------------------------------------------------------------
    @property
    def param_groups(self):
        return self._opt.param_groups

    @property
    def state(self):
        return self._opt.state

    def state_dict(self):
        return self._opt.state_dict()

    def load_state_dict(self, sd):
        return self._opt.load_state_dict(sd)

    def add_param_group(self, group):
        return self._opt.add_param_group(group)

    def __repr__(self) -> str:
        return repr(self._opt)


class TracingLoss:
    """Wraps a loss function; records each loss value (key 'loss', step = call index) and the
    shapes it saw (info 'loss_shapes': [[pred shape], [target shape]] per call)."""

    def __init__(self, loss_fn, recorder: Recorder | None = None, key: str = "loss"):
        self._fn = loss_fn
        self._rec = recorder or current()
        self._key = key
        self._calls = 0

    def __call__(self, pred, target, *args, **kwargs):
        if self._calls < 1000:
            shapes = [list(getattr(pred, "shape", [])), list(getattr(target, "shape", []))]
            self._rec.append(f"{self._key}_shapes", shapes)
        loss = self._fn(pred, target, *args, **kwargs)
        self._rec.record(self._key, loss, self._calls)
        self._rec.append("events", "loss")
        self._calls += 1
        return loss

    def __getattr__(self, name):
        return getattr(self._fn, name)


def hook_module(module: torch.nn.Module, name: str, recorder: Recorder | None = None):
    """Record module's output at each forward call under 'out/<name>' (step = call index)."""
    rec = recorder or current()
    calls = [0]

    def hook(_mod, _inp, out):
        if isinstance(out, torch.Tensor):
            rec.record(f"out/{name}", out, calls[0])
        calls[0] += 1

    return module.register_forward_hook(hook)
