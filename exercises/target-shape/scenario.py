"""Runs the student's train() twice on a batch whose target has shape [N]: a regression with
MSELoss (a wrong shape silently broadcasts) and a classification with BCELoss (it raises).

Every seed draws its own N (5 to 12), data, number of steps (4 to 7) and learning rates, so
nothing a student could write into the code stays the same across seeds."""
import torch
from torch import nn

from graders import trace
from graders.checks.shapes import loss_raised



def run(ctx):
    train = ctx.require("train")
    g = torch.Generator().manual_seed(ctx.seed)
    n = int(torch.randint(5, 13, (1,), generator=g))
    x = torch.randn(n, 3, generator=g)
    w = torch.randn(3, generator=g)
    y_reg = x @ w + 0.1 * torch.randn(n, generator=g)
    y_clf = (x @ w + 0.5 * torch.randn(n, generator=g) > 0).float()
    steps = 4 + ctx.seed % 4          # 4 to 7: the public seeds (6, 7) and hidden ones differ
    lr_mse = round(float(torch.empty(()).uniform_(0.05, 0.2, generator=g)), 3)
    lr_bce = round(float(torch.empty(()).uniform_(0.2, 0.8, generator=g)), 3)
    trace.note("n", n)
    trace.note("steps", steps)

    torch.manual_seed(ctx.seed)
    regressor = nn.Linear(3, 1)
    classifier = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    _part("mse", train, regressor, x, y_reg, nn.MSELoss(), lr_mse, steps)
    _part("bce", train, classifier, x, y_clf, nn.BCELoss(), lr_bce, steps)


def _part(name, train, model, x, y, loss_fn, lr, steps):
    """train(model, x, y, ...) with traced loss '<name>_loss' and parameters '<name>.*'.
    A shape error raised by the loss itself is noted as '<name>_loss_error' for the graders."""
    sgd = torch.optim.SGD(model.parameters(), lr=lr)
    optimizer = trace.TracingOptimizer(sgd, model=model, prefix=f"{name}.")
    loss = trace.TracingLoss(loss_fn, key=f"{name}_loss")
    try:
        train(model, x.clone(), y.clone(), loss, optimizer, steps)
    except Exception as e:
        if not loss_raised(trace.current().trace, f"{name}_loss"):
            raise
        trace.note(f"{name}_loss_error", f"{type(e).__name__}: {e}"[:300])
