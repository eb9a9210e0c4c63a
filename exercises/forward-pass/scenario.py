"""Builds the student's Net, gives its fc1 (10->20) and fc2 (20->1) seeded weights, and records
its outputs on several batches, a linearity probe, and the gradients of one backward pass.

Seed 0 uses batches of 4, 7 and 1 examples; other seeds draw two batch sizes from 2 to 12 (and
keep the batch of 1), so no size can be written into forward."""
import torch
from torch import nn

from graders import trace
from graders.trace import layers

BATCHES = (4, 7, 1)          # seed 0's batch sizes
PROBE = 6


def run(ctx):
    Net = ctx.require("Net")
    torch.manual_seed(ctx.seed)
    model = Net()
    if not isinstance(model, nn.Module):
        trace.note("not_module", type(model).__name__)
        return
    fc1, fc2 = layers.find_linear(model, 10, 20), layers.find_linear(model, 20, 1)
    if fc1 is None or fc2 is None:
        trace.note("layers", layers.describe_linears(model))
        return
    g = torch.Generator().manual_seed(1000 + ctx.seed)
    weights = {"fc1.weight": torch.randn(20, 10, generator=g) / 10 ** 0.5,
               "fc1.bias": torch.randn(20, generator=g) * 0.3,
               "fc2.weight": torch.randn(1, 20, generator=g) / 20 ** 0.5,
               "fc2.bias": torch.randn(1, generator=g) * 0.3}
    layers.set_linear(fc1, weights["fc1.weight"], weights["fc1.bias"])
    layers.set_linear(fc2, weights["fc2.weight"], weights["fc2.bias"])
    for name, w in weights.items():
        trace.record(f"param/{name}", w)
    layers.watch_calls({"fc1": fc1, "fc2": fc2})

    drawn = [int(v) for v in torch.randint(2, 13, (2,), generator=g)]
    sizes = BATCHES if ctx.seed == 0 else (*drawn, 1)
    inputs = [torch.randn(b, 10, generator=g) * 1.5 for b in sizes]
    a, b = (torch.randn(PROBE, 10, generator=g) * 2 for _ in range(2))
    probes = {"a": a, "b": b, "sum": a + b, "zero": torch.zeros(PROBE, 10)}
    with torch.no_grad():
        for k, x in enumerate(inputs):
            trace.record("input", x, step=k)
            out = _forward(model, x)
            if out is None:
                return
            trace.record("out", out, step=k)
        for name, x in probes.items():
            out = _forward(model, x)
            if out is None:
                return
            trace.record(f"probe/{name}", out)
    _backward(model, inputs[0], {"fc1": fc1, "fc2": fc2})


def _forward(model, x):
    """model(x) as a detached tensor, or None (noted in the trace) when it cannot be used."""
    try:
        out = model(x.clone())
    except Exception as e:
        if not _wrong_order(trace.current().trace.info.get("calls", [])):
            raise
        trace.note("forward_error", f"{type(e).__name__}: {e}"[:300])
        return None
    if not isinstance(out, torch.Tensor):
        trace.note("out_type", type(out).__name__)
        return None
    return out.detach().float()


def _wrong_order(calls):
    """True when fc2 ran before fc1 or was handed the 10 raw input features."""
    names = [c["layer"] for c in calls]
    if "fc2" in names and ("fc1" not in names or names.index("fc2") < names.index("fc1")):
        return True
    return any(c["layer"] == "fc2" and c["in"] and c["in"][-1] == 10 for c in calls)


def _backward(model, x, found):
    """One backward pass of sum(model(x)); records the gradients of fc1 and fc2."""
    model.zero_grad(set_to_none=True)
    out = model(x.clone())
    if not out.requires_grad:
        trace.note("no_graph", True)
        return
    out.sum().backward()
    for lname, layer in found.items():
        for pname, p in layer.named_parameters():
            grad = p.grad if p.grad is not None else torch.zeros_like(p)
            trace.record(f"grad/{lname}.{pname}", grad)
