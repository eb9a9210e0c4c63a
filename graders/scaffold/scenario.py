"""Runs the submission's train() on a small regression problem and records the trace."""
import torch
from torch import nn

from graders import trace


def run(ctx):
    train = ctx.require("train")
    model = nn.Linear(3, 1)
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    optimizer = trace.TracingOptimizer(torch.optim.SGD(model.parameters(), lr=0.1), model=model)
    train(model, x, y, trace.TracingLoss(nn.MSELoss()), optimizer, 5)
