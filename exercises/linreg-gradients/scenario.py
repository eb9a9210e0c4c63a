"""Drives the submission's gradients() and sgd_step() on the seed-002 line fit, autograd off.

Seed 1 is the article's problem (its X, Y, a = b = 1, lr = 0.1); other seeds draw their own data,
starting point and learning rate, so copying the public numbers earns nothing. One more call of
gradients() is far from the data's scale (a = 1e12), where a difference quotient loses its
digits (finite differences are not a derivation).
"""
import torch

from graders import trace
from graders.trace.handgrad import as_scalar, forbid_autograd, probe, record_pair

ARTICLE_SEED = 1
ARTICLE_X = [0.2, 0.4, 0.6, 0.8, 1.0, 1.2]
ARTICLE_Y = [0.18, 0.32, 0.42, 0.48, 0.58, 0.72]
BATCH = 2
FAR_A, FAR_B = 1e12, 0.5        # where (L(a + h) - L(a - h)) / 2h is visibly off for h <= 0.01
EPOCHS = 2


def problem(seed):
    """(x, y, a0, b0, lr) for this seed."""
    if seed == ARTICLE_SEED:
        return torch.tensor(ARTICLE_X), torch.tensor(ARTICLE_Y), 1.0, 1.0, 0.1
    x = (torch.rand(6) * 1.4 + 0.1).sort().values
    slope, intercept = float(torch.rand(()) * 1.5 - 0.25), float(torch.rand(()) * 0.6 - 0.3)
    y = slope * x + intercept + 0.05 * torch.randn(6)
    a0, b0 = (torch.rand(2) * 3 - 1).tolist()
    lr = round(float(torch.rand(()) * 0.25 + 0.05), 3)   # 0.05 .. 0.3, its own on each seed
    return x, y, a0, b0, lr


def scalar(v) -> torch.Tensor:
    return torch.tensor(float(v))


def run(ctx):
    x, y, a0, b0, lr = problem(ctx.seed)
    batches = [(x[i:i + BATCH], y[i:i + BATCH]) for i in range(0, len(x), BATCH)]
    points = [(a0, b0)] + [tuple((torch.rand(2) * 3 - 1).tolist()) for _ in range(4)]
    # gradient probes: the three training batches, the whole data set (n=6) and its first half (n=3)
    grad_probes = [(points[k], *batches[k]) for k in range(len(batches))]
    grad_probes += [(points[3], x, y), (points[4], x[:3], y[:3])]
    trace.note("lr", lr)
    with forbid_autograd():
        gradients, sgd_step = ctx.require("gradients"), ctx.require("sgd_step")
        for i, ((a, b), xb, yb) in enumerate(grad_probes):
            for key, v in (("probe/a", a), ("probe/b", b), ("probe/x", xb), ("probe/y", yb)):
                trace.record(key, v, step=i)
            got = probe(f"gradients#{i}", gradients, scalar(a), scalar(b), xb.clone(), yb.clone())
            record_pair(got, "gradients", ("grad_a", "grad_b"), i, as_scalar)
        # far from the data's scale a difference quotient loses its digits; a formula does not
        got = probe("gradients#far", gradients, scalar(FAR_A), scalar(FAR_B), x.clone(), y.clone())
        record_pair(got, "gradients", ("far_grad_a", "far_grad_b"), 0, as_scalar)
        for i, ((a, b), xb, yb) in enumerate(grad_probes[:len(batches)]):
            got = probe(f"sgd_step#{i}", sgd_step, scalar(a), scalar(b), xb.clone(), yb.clone(), lr)
            record_pair(got, "sgd_step", ("step_a", "step_b"), i, as_scalar)
        train(sgd_step, x, y, a0, b0, lr, batches)



def train(sgd_step, x, y, a, b, lr, batches) -> None:
    """EPOCHS epochs of mini-batch SGD through the student's sgd_step; record a, b, loss."""
    trace.record("loss", ((a * x + b - y) ** 2).mean())
    k = 0
    for _ in range(EPOCHS):
        for xb, yb in batches:
            got = probe(f"train#{k}", sgd_step, scalar(a), scalar(b), xb.clone(), yb.clone(), lr)
            if not record_pair(got, "sgd_step", ("a", "b"), k, as_scalar):
                return
            a, b = float(trace.current().trace.get("a", k)), float(trace.current().trace.get("b", k))
            trace.record("loss", ((a * x + b - y) ** 2).mean(), step=k)
            k += 1
