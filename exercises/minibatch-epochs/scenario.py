"""Drives the student's epoch / mini-batch loop on the seed-002 linear regression, with a number
of samples that leaves the last batch of each epoch short, and records what each step used.

Seed 42 is the article's six points plus a seventh, (1.4, 0.80), with a = b = 1, 3 epochs,
batch size 2 and lr 0.1; other seeds draw their own line, noise, starting a and b, batch size
(2 or 3), number of samples (never a multiple of the batch size), epochs and learning rate.
"""
import torch
from torch import nn

from graders import trace
from graders.trace.layers import RecordingLinear

ARTICLE_X = [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4]
ARTICLE_Y = [0.18, 0.32, 0.42, 0.48, 0.58, 0.72, 0.80]


def make_problem(seed: int):
    """The model y' = a·x + b, the data (X, Y) of shape [N, 1] with a short last batch, the
    epochs, the batch size and the learning rate."""
    model = RecordingLinear(1, 1)
    if seed == 42:
        X, Y, a, b, epochs = torch.tensor(ARTICLE_X), torch.tensor(ARTICLE_Y), 1.0, 1.0, 3
        batch_size, lr = 2, 0.1
    else:
        batch_size = int(torch.randint(2, 4, ()))                 # 2 or 3
        n = batch_size * int(torch.randint(2, 5, ())) + int(torch.randint(1, batch_size, ()))
        X = torch.rand(n) * 1.5
        Y = (0.2 + 0.6 * torch.rand(())) * X + 0.3 * torch.rand(()) + 0.03 * torch.randn(n)
        a, b = float(torch.empty(()).uniform_(-1, 1.5)), float(torch.empty(()).uniform_(-1, 1.5))
        epochs = int(torch.randint(2, 5, ()))                     # 2, 3 or 4 epochs
        lr = round(float(torch.empty(()).uniform_(0.05, 0.2)), 3)
    with torch.no_grad():
        model.weight.fill_(a)
        model.bias.fill_(b)
    return model, X.reshape(-1, 1), Y.reshape(-1, 1), epochs, batch_size, lr


def _record_returned(returned) -> None:
    try:
        items = list(returned)
        values = [float(v) for v in items]
    except (TypeError, ValueError, RuntimeError):
        trace.note("returned_type", type(returned).__name__)
        return
    with_graph = sum(1 for v in items if isinstance(v, torch.Tensor) and v.requires_grad)
    if with_graph:          # `total += loss`: each epoch's graph kept alive until train returns
        trace.note("returned_with_graph", with_graph)
    for e, v in enumerate(values[:1000]):
        trace.record("epoch_loss", v, step=e)
    trace.note("returned_count", len(values))


def run(ctx):
    train = ctx.require("train")
    torch.manual_seed(ctx.seed)
    model, X, Y, epochs, batch_size, lr = make_problem(ctx.seed)
    trace.record("X", X)
    trace.record("Y", Y)
    trace.note("epochs", epochs)
    trace.note("batch_size", batch_size)
    trace.note("lr", lr)
    optimizer = trace.TracingOptimizer(torch.optim.SGD(model.parameters(), lr=lr), model=model)
    returned = train(model, X, Y, trace.TracingLoss(nn.MSELoss()), optimizer, epochs, batch_size)
    _record_returned(returned)
    for name, p in model.named_parameters():       # where they ended, however they got there
        trace.record(f"param_end/{name}", p)
