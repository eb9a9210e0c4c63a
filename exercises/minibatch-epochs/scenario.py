"""Drives the student's epoch / mini-batch loop on the seed-002 linear regression, with an odd
number of samples so the last batch of each epoch is short, and records what each step used.

Seed 42 is the article's six points plus a seventh, (1.4, 0.80), with a = b = 1 and 3 epochs;
other seeds draw their own line, noise, starting a and b, number of samples and of epochs.
"""
import torch
from torch import nn

from graders import trace

BATCH_SIZE = 2
LR = 0.1
ARTICLE_X = [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4]
ARTICLE_Y = [0.18, 0.32, 0.42, 0.48, 0.58, 0.72, 0.80]
MAX_RECORDED_FORWARDS = 2000


def make_problem(seed: int) -> tuple[nn.Linear, torch.Tensor, torch.Tensor, int]:
    """The model y' = a·x + b, the data (X, Y) of shape [N, 1] with N odd, and the epochs."""
    model = RecordingLinear(1, 1)
    if seed == 42:
        X, Y, a, b, epochs = torch.tensor(ARTICLE_X), torch.tensor(ARTICLE_Y), 1.0, 1.0, 3
    else:
        n = 2 * int(torch.randint(2, 6, ())) + 1                  # 5, 7, 9 or 11 samples
        X = torch.rand(n) * 1.5
        Y = (0.2 + 0.6 * torch.rand(())) * X + 0.3 * torch.rand(()) + 0.03 * torch.randn(n)
        a, b = float(torch.empty(()).uniform_(-1, 1.5)), float(torch.empty(()).uniform_(-1, 1.5))
        epochs = int(torch.randint(2, 5, ()))                     # 2, 3 or 4 epochs
    with torch.no_grad():
        model.weight.fill_(a)
        model.bias.fill_(b)
    return model, X.reshape(-1, 1), Y.reshape(-1, 1), epochs


class RecordingLinear(nn.Linear):
    """nn.Linear that records the input of every forward call (key batch_x) and logs a
    'forward' event, so the graders can tell which samples each optimizer step used. It records
    in forward() itself, so model(x) and model.forward(x) are both seen."""

    calls = 0

    def forward(self, x):
        if self.calls < MAX_RECORDED_FORWARDS and isinstance(x, torch.Tensor):
            trace.record("batch_x", x, step=self.calls)
            trace.current().append("events", "forward")
        self.calls += 1
        return super().forward(x)


def _record_returned(returned) -> None:
    try:
        values = [float(v) for v in returned]
    except (TypeError, ValueError, RuntimeError):
        trace.note("returned_type", type(returned).__name__)
        return
    for e, v in enumerate(values[:1000]):
        trace.record("epoch_loss", v, step=e)
    trace.note("returned_count", len(values))


def run(ctx):
    train = ctx.require("train")
    torch.manual_seed(ctx.seed)
    model, X, Y, epochs = make_problem(ctx.seed)
    trace.record("X", X)
    trace.record("Y", Y)
    trace.note("epochs", epochs)
    optimizer = trace.TracingOptimizer(torch.optim.SGD(model.parameters(), lr=LR), model=model)
    returned = train(model, X, Y, trace.TracingLoss(nn.MSELoss()), optimizer, epochs, BATCH_SIZE)
    _record_returned(returned)
    for name, p in model.named_parameters():       # where they ended, however they got there
        trace.record(f"param_end/{name}", p)
