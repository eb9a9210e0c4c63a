"""Scenario helpers for exercises where students write a model: find its layers by shape, give
them seeded weights, and log the order in which they are called (with the input shapes); a
Linear layer that records its inputs (which samples each optimizer step used).

Lets a scenario compare any correct way of writing a model (attributes, nn.Sequential, ...).
"""
from __future__ import annotations

import torch
from torch import nn

from graders.trace.recorder import Recorder, current


def find_linear(model: nn.Module, in_features: int, out_features: int) -> nn.Linear | None:
    """The first nn.Linear(in_features, out_features) anywhere inside model, or None."""
    for m in model.modules():
        if isinstance(m, nn.Linear) and m.in_features == in_features and m.out_features == out_features:
            return m
    return None


def describe_linears(model: nn.Module) -> list[str]:
    """Every nn.Linear inside model as 'Linear(in, out)', for a message when one is missing."""
    return [f"Linear({m.in_features}, {m.out_features})" for m in model.modules()
            if isinstance(m, nn.Linear)]


def set_linear(layer: nn.Linear, weight: torch.Tensor, bias: torch.Tensor) -> None:
    """Copy weight (and bias, when the layer has one) into layer without recording autograd."""
    with torch.no_grad():
        layer.weight.copy_(weight)
        if layer.bias is not None:
            layer.bias.copy_(bias)


def watch_calls(layers: dict[str, nn.Module], recorder: Recorder | None = None,
                key: str = "calls", limit: int = 200) -> list:
    """Log each call of the named layers to info[key] as {'layer', 'in'} (input shape), in
    order, before the layer runs (so a call that then fails is logged). Returns the hooks."""
    rec = recorder or current()
    rec.trace.info.setdefault(key, [])

    def make(name):
        def pre_hook(_mod, args):
            if len(rec.trace.info[key]) < limit:
                shape = list(args[0].shape) if args and isinstance(args[0], torch.Tensor) else None
                rec.append(key, {"layer": name, "in": shape})
        return pre_hook

    return [m.register_forward_pre_hook(make(n)) for n, m in layers.items()]


class RecordingLinear(nn.Linear):
    """nn.Linear that records the input of each forward call (key `batch_x`, step = call index,
    up to `limit` calls) and logs a 'forward' event, so graders can tell which samples each
    optimizer step used. It records in forward() itself: model(x) and model.forward(x) alike."""

    limit = 2000
    calls = 0

    def forward(self, x):
        if self.calls < self.limit and isinstance(x, torch.Tensor):
            rec = current()
            rec.record("batch_x", x, step=self.calls)
            rec.append("events", "forward")
        self.calls += 1
        return super().forward(x)
