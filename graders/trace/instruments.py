"""Instruments that observe student code: a tracing optimizer, a tracing loss, module hooks.

They record into the current Recorder; scenarios hand them to student code in place of the
plain objects, so students never log anything themselves.
"""
from __future__ import annotations

import torch

from graders.trace.recorder import Recorder, current


class TracingOptimizer(torch.optim.Optimizer):
    """Wraps a torch optimizer; records, at every step, each parameter's gradient as the update
    sees it, the gradient produced by backward passes since the previous step ('fresh'), and the
    parameters after the update. Calls are logged as events (zero_grad, backward, step) so a
    missing or misplaced call shows in the trace.

    Every standard way to drive an optimizer is seen as it is: `step(closure)` (gradients are
    recorded after the closure ran, as the update uses them), `zero_grad(set_to_none=...)`,
    `model.zero_grad()` or `p.grad = None` (read off the gradients, not the calls), several
    param groups and `add_param_group`; `param_groups`, `state`, `defaults`, `state_dict()`,
    `load_state_dict()` and the hooks are the wrapped optimizer's own. It is an Optimizer for
    isinstance (learning-rate schedulers accept it) but keeps no state of its own.

    Keys: grad/<name>@k, fresh_grad/<name>@k, param/<name>@k (after step k), param/<name>@-1
    (initial). Info: events, step_calls, zero_grad_calls, grad_none (names with .grad None).
    """

    def __init__(self, optimizer: torch.optim.Optimizer, model: torch.nn.Module | None = None,
                 recorder: Recorder | None = None, prefix: str = ""):
        # (Optimizer.__init__ is not called: everything it would hold is the wrapped optimizer's)
        self._opt = optimizer
        self._rec = recorder or current()
        self._prefix = prefix
        self._names = {id(p): n for n, p in model.named_parameters()} if model is not None else {}
        self._params: list[tuple[str, torch.Tensor]] = []
        self._hooks = []
        self._fresh: dict[str, torch.Tensor] = {}
        self._steps = 0
        self._rec.note("step_calls", 0)            # (per optimizer: the latest one's count)
        self._rec.note("zero_grad_calls", 0)
        self._rec.trace.info.setdefault("events", [])
        for group in optimizer.param_groups:
            self._watch(group["params"])
        self._rec.optimizers.append(self)

    @property
    def steps_taken(self) -> int:
        """How many times step() has run (losses are numbered by it)."""
        return self._steps

    # -- observation ----------------------------------------------------------------------
    def _watch(self, params) -> None:
        """Name, hook and record the initial value of parameters not watched yet."""
        seen = {id(p) for _, p in self._params}
        for p in params:
            if id(p) in seen:
                continue
            name = self._prefix + self._names.get(id(p), f"p{len(self._params)}")
            self._params.append((name, p))
            if p.requires_grad:
                self._hooks.append(p.register_hook(self._make_hook(name)))
            self._rec.record(f"param/{name}", p)

    def _make_hook(self, name: str):
        def hook(grad):
            prev = self._fresh.get(name)
            self._fresh[name] = grad.detach().clone() if prev is None else prev + grad.detach()
            events = self._rec.trace.info["events"]
            if not events or events[-1] != "backward":
                self._rec.append("events", "backward")
            return None
        return hook

    def _record_grads(self, k: int) -> None:
        """The step event and the gradients step k is about to use."""
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

    def zero_grad(self, set_to_none: bool = True) -> None:
        self._rec.count("zero_grad_calls")
        self._rec.append("events", "zero_grad")
        self._opt.zero_grad(set_to_none=set_to_none)

    def step(self, closure=None):
        k = self._steps
        recorded = [False]
        if closure is None:
            self._record_grads(k)
            recorded[0] = True
            out = self._opt.step()
        else:
            def traced_closure():
                # the optimizer calls this (in enable_grad); some (LBFGS) call it more than once:
                # the first evaluation gives the gradients at the parameters being updated
                loss = closure()
                if not recorded[0]:
                    self._record_grads(k)
                    recorded[0] = True
                return loss
            out = self._opt.step(traced_closure)
            if not recorded[0]:             # an optimizer that never called the closure
                self._record_grads(k)
        self._fresh = {}
        for name, p in self._params:
            self._rec.record(f"param/{name}", p, k)
        self._steps += 1
        return out

    # -- the wrapped optimizer's own ----------------------------------------------------------
    @property
    def param_groups(self):
        return self._opt.param_groups

    @property
    def state(self):
        return self._opt.state

    @property
    def defaults(self):
        return self._opt.defaults

    def state_dict(self):
        return self._opt.state_dict()

    def load_state_dict(self, sd):
        return self._opt.load_state_dict(sd)

    def add_param_group(self, group):
        out = self._opt.add_param_group(group)
        self._watch(self._opt.param_groups[-1]["params"])
        return out

    def register_step_pre_hook(self, hook):
        return self._opt.register_step_pre_hook(hook)

    def register_step_post_hook(self, hook):
        return self._opt.register_step_post_hook(hook)

    def register_state_dict_pre_hook(self, hook, prepend: bool = False):
        return self._opt.register_state_dict_pre_hook(hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend: bool = False):
        return self._opt.register_state_dict_post_hook(hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend: bool = False):
        return self._opt.register_load_state_dict_pre_hook(hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend: bool = False):
        return self._opt.register_load_state_dict_post_hook(hook, prepend)

    def __getattr__(self, name):
        # (only for names not found on the wrapper: anything else the optimizer offers)
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._opt, name)

    def __repr__(self) -> str:
        return repr(self._opt)


class TracingLoss:
    """Wraps a loss function; records its value under `key`, numbered by optimizer step: the
    loss at step k is the one computed after k steps of the scenario's latest TracingOptimizer
    (counted from this loss's first call), and of several at one step, the one that went through
    backward(). So an extra call (a recomputed loss, a probe batch) does not shift the numbers.
    With no TracingOptimizer the k-th call is step k. Info: '<key>_shapes' ([[pred shape],
    [target shape]] per call), '<key>_calls' (calls that returned)."""

    def __init__(self, loss_fn, recorder: Recorder | None = None, key: str = "loss"):
        self._fn = loss_fn
        self._rec = recorder or current()
        self._key = key
        self._calls = 0
        self._opt: TracingOptimizer | None = None
        self._base = 0
        self._backed: set[int] = set()      # steps whose recorded loss went through backward()

    def _step(self) -> int:
        if self._opt is None and self._rec.optimizers:
            self._opt = self._rec.optimizers[-1]
            self._base = self._opt.steps_taken
        return self._calls if self._opt is None else self._opt.steps_taken - self._base

    def __call__(self, pred, target, *args, **kwargs):
        if self._calls < 1000:
            shapes = [list(getattr(pred, "shape", [])), list(getattr(target, "shape", []))]
            self._rec.append(f"{self._key}_shapes", shapes)
        loss = self._fn(pred, target, *args, **kwargs)
        k = self._step()
        if k not in self._rec.trace.tensors.get(self._key, {}):
            self._rec.record(self._key, loss, k)
        if isinstance(loss, torch.Tensor) and loss.requires_grad:
            loss.register_hook(self._on_backward(k, loss.detach().clone()))
        self._rec.append("events", "loss")
        self._calls += 1
        self._rec.note(f"{self._key}_calls", self._calls)
        return loss

    def _on_backward(self, k: int, value: torch.Tensor):
        def hook(grad):
            if k not in self._backed:
                self._backed.add(k)
                self._rec.record(self._key, value, k)
            return None
        return hook

    def __getattr__(self, name):
        return getattr(self._fn, name)


def hook_module(module: torch.nn.Module, name: str, recorder: Recorder | None = None):
    """Record module's output under 'out/<name>', numbered like TracingLoss: at step k, the first
    output after k steps of the scenario's latest TracingOptimizer (counted from the first call),
    so an extra forward pass (a probe, a printout) does not shift the steps; with no optimizer,
    the k-th call is step k."""
    rec = recorder or current()
    calls = [0]
    base: list[int] = []

    def hook(_mod, _inp, out):
        taken = rec.optimizer_steps()
        if taken is None:
            k = calls[0]
        else:
            if not base:
                base.append(taken)
            k = taken - base[0]
        if isinstance(out, torch.Tensor) and k not in rec.trace.tensors.get(f"out/{name}", {}):
            rec.record(f"out/{name}", out, k)
        calls[0] += 1

    return module.register_forward_hook(hook)
