"""Trains the student's classifier with the student's loss (SGD, lr 0.5, six steps), then probes
one confidently wrong batch (logits near ±40) at the initial weights.

Records what the loss was fed (`model_out`), the linear layer's own output (`linear_out`, the
true logits), the loss, gradients and parameters, and what predict() returned (`probability`,
with `pred_logit`, the logits at that moment). Seed 42 is the lab's batch x=[[1, 2]], y=[[1]].
"""
import torch
from torch import nn

from graders import trace

STEPS = 6
LR = 0.5


def find_linear(model) -> nn.Linear:
    for m in model.modules() if isinstance(model, nn.Module) else ():
        if isinstance(m, nn.Linear):
            return m
    raise TypeError("build_model() must return an nn.Module containing the nn.Linear(2, 1) layer")


def make_batch(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    if seed == 42:
        return torch.tensor([[1.0, 2.0]]), torch.tensor([[1.0]])
    x = torch.randn(8, 2)
    w_true = torch.randn(2)
    y = ((x @ w_true + 0.5 * torch.randn(8)) > 0).float().reshape(-1, 1)
    return x, y


def make_probe(seed: int, linear: nn.Linear) -> tuple[torch.Tensor, torch.Tensor]:
    """Three inputs the current weights score confidently wrong: about +40 and +30 with label 0,
    about -40 with label 1 (seed 42: exactly those; other seeds: drawn near them)."""
    if seed == 42:
        z = torch.tensor([40.0, -40.0, 30.0])
    else:
        z = torch.tensor([1.0, -1.0, 1.0]) * (torch.tensor([32.0, 35.0, 20.0]) + torch.tensor([12.0, 10.0, 12.0]) * torch.rand(3))
    w, b = linear.weight.detach()[0], linear.bias.detach()[0]
    x = (z - b).reshape(-1, 1) * w / w.dot(w)
    return x, torch.tensor([[0.0], [1.0], [0.0]])


def call_loss(loss_fn, out, y):
    """The student's loss; BCELoss refusing raw logits becomes a note, not a crash."""
    try:
        return loss_fn(out, y)
    except (RuntimeError, ValueError) as e:
        if "between 0 and 1" not in str(e):
            raise
        trace.note("loss_error", str(e)[:200])
        return None


def record_prediction(predict, model, linear, x, step: int | None, prefix: str = "") -> None:
    with torch.no_grad():
        trace.record(f"{prefix}pred_logit", linear(x), step=step)
    p = predict(model, x)
    try:
        trace.record(f"{prefix}probability", p, step=step)
    except TypeError:
        trace.note("predict_type", type(p).__name__)


def run(ctx):
    build_model, build_loss, predict = (ctx.require(n) for n in ("build_model", "build_loss", "predict"))
    model = build_model()                    # first draw after the seed: the lab's weights for 42
    linear = find_linear(model)
    x, y = make_batch(ctx.seed)
    trace.record("target", y)
    start = [p.detach().clone() for p in (linear.weight, linear.bias)]
    loss_fn = trace.TracingLoss(build_loss())
    optimizer = trace.TracingOptimizer(torch.optim.SGD(linear.parameters(), lr=LR), model=linear)

    record_prediction(predict, model, linear, x, step=-1)
    for k in range(STEPS):
        out = model(x)
        trace.record("model_out", out, step=k)
        with torch.no_grad():
            trace.record("linear_out", linear(x), step=k)
        loss = call_loss(loss_fn, out, y)
        if loss is None:
            return
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        record_prediction(predict, model, linear, x, step=k)

    probe(model, linear, start, trace.TracingLoss(build_loss(), key="probe/loss"), predict, ctx.seed)


def probe(model, linear, start, loss_fn, predict, seed: int) -> None:
    """One confidently wrong batch at the initial weights: what predict() makes of it (its
    logits have both signs), its loss and its gradient."""
    with torch.no_grad():
        linear.weight.copy_(start[0])
        linear.bias.copy_(start[1])
    linear.weight.grad = linear.bias.grad = None
    x, y = make_probe(seed, linear)
    trace.record("probe/target", y)
    record_prediction(predict, model, linear, x, step=None, prefix="probe/")
    out = model(x)
    trace.record("probe/model_out", out)
    with torch.no_grad():
        trace.record("probe/linear_out", linear(x))
    loss = call_loss(loss_fn, out, y)
    if loss is None:
        return
    loss.backward()
    for name, p in (("weight", linear.weight), ("bias", linear.bias)):
        trace.record(f"probe/grad/{name}", p.grad if p.grad is not None else torch.zeros_like(p))
