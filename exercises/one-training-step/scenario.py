"""Drives train_step six times on the seed-003 lab model and records what it did.

Seed 42 uses the lab's exact batch (x=[[1, 2]], y=[[1]]) and lr 0.5; other seeds draw a batch
of their own (2 to 8 examples) and a learning rate between 0.1 and 1, so nothing can be hard-coded.
"""
import numbers

import torch
from torch import nn

from graders import trace

STEPS = 6


def run(ctx):
    train_step = ctx.require("train_step")
    torch.manual_seed(ctx.seed)
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    if ctx.seed == 42:
        x, y, lr = torch.tensor([[1.0, 2.0]]), torch.tensor([[1.0]]), 0.5
    else:
        n = int(torch.randint(2, 9, ()))
        x = torch.randn(n, 2)
        y = (torch.rand(n, 1) > 0.5).float()
        lr = round(float(torch.empty(()).uniform_(0.1, 1.0)), 2)
    trace.note("lr", lr)
    optimizer = trace.TracingOptimizer(torch.optim.SGD(model.parameters(), lr=lr), model=model)
    loss_fn = FirstLoss(trace.TracingLoss(nn.BCELoss()))
    with torch.no_grad():
        trace.record("prediction", model(x), step=-1)
    for k in range(STEPS):
        loss_fn.first = None
        returned = train_step(model, x, y, loss_fn, optimizer)
        if loss_fn.first is not None:
            trace.record("call_loss", loss_fn.first, step=k)
        _record_returned(returned, k)
        with torch.no_grad():
            trace.record("prediction", model(x), step=k)
    for name, p in model.named_parameters():       # where they ended, however they got there
        trace.record(f"param_end/{name}", p)


class FirstLoss:
    """Passes calls on to a loss function and keeps the first value of each train_step call
    (`call_loss@k`: the loss that call trained on, which train_step should return)."""

    def __init__(self, fn):
        self.fn = fn
        self.first = None

    def __call__(self, pred, target, *args, **kwargs):
        out = self.fn(pred, target, *args, **kwargs)
        if self.first is None and isinstance(out, torch.Tensor):
            self.first = out.detach().clone()
        return out

    def __getattr__(self, name):
        return getattr(self.fn, name)


def _record_returned(returned, k: int) -> None:
    """The value train_step returned, and what it was when not a plain Python number."""
    if isinstance(returned, torch.Tensor):
        trace.note("returned_tensor", "requires_grad" if returned.requires_grad else "detached")
    elif isinstance(returned, bool) or not isinstance(returned, numbers.Real):
        trace.note("returned_type", type(returned).__name__)
        return
    try:
        trace.record("returned_loss", float(returned), step=k)
    except (TypeError, ValueError, RuntimeError):
        trace.note("returned_type", type(returned).__name__)
