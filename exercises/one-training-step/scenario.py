"""Drives train_step six times on the seed-003 lab model and records what it did.

Seed 42 uses the lab's exact batch (x=[[1, 2]], y=[[1]]); other seeds draw a batch of their own.
"""
import torch
from torch import nn

from graders import trace

STEPS = 6


def run(ctx):
    train_step = ctx.require("train_step")
    torch.manual_seed(ctx.seed)
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    if ctx.seed == 42:
        x, y = torch.tensor([[1.0, 2.0]]), torch.tensor([[1.0]])
    else:
        x = torch.randn(4, 2)
        y = (torch.rand(4, 1) > 0.5).float()
    optimizer = trace.TracingOptimizer(torch.optim.SGD(model.parameters(), lr=0.5), model=model)
    loss_fn = trace.TracingLoss(nn.BCELoss())
    with torch.no_grad():
        trace.record("prediction", model(x), step=-1)
    for k in range(STEPS):
        returned = train_step(model, x, y, loss_fn, optimizer)
        try:
            trace.record("returned_loss", float(returned), step=k)
        except (TypeError, ValueError):
            trace.note("returned_type", type(returned).__name__)
        with torch.no_grad():
            trace.record("prediction", model(x), step=k)
