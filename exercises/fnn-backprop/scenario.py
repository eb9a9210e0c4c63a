"""Drives the submission's gradients() and gd_step() on the seed-001 2->32->1 sigmoid net with
binary cross-entropy, autograd off, and records gradients, updates and a short training run.

Seed 2 uses the article's data (iris, two classes, rows normalized); other seeds draw their own
data, sizes and learning rate, so copying the public numbers earns nothing.
"""
import torch
import torch.nn.functional as F

from graders import trace
from graders.trace.handgrad import as_tensor, forbid_autograd, probe, record_pair

ARTICLE_SEED = 2
HIDDEN = 32
STEPS = 20


def article_data(data_dir):
    rows = (data_dir / "iris-2class.csv").read_text(encoding="utf-8").split()[1:]
    d = torch.tensor([[float(v) for v in r.split(",")] for r in rows])
    return d[:, :2], d[:, 2:]


def drawn_data(n: int):
    """Two classes of 2-feature points, like the article's: class 0 then class 1."""
    angle0 = float(torch.rand(()) * 0.45 + 0.35)
    angle1 = angle0 - float(torch.rand(()) * 0.2 + 0.1)
    half = n // 2
    angles = torch.cat([angle0 + 0.05 * torch.randn(half), angle1 + 0.05 * torch.randn(n - half)])
    radius = torch.rand(n) * 2 + 5
    X = torch.stack([radius * torch.cos(angles), radius * torch.sin(angles)], dim=1)
    y = torch.cat([torch.zeros(half), torch.ones(n - half)]).unsqueeze(1)
    return X, y


def problem(seed, data_dir):
    """(X, y, lr) for this seed; X's rows normalized to length 1 as in the article."""
    if seed == ARTICLE_SEED:
        X, y, lr = *article_data(data_dir), 0.5
    else:
        X, y = drawn_data(int(torch.randint(40, 121, ())))
        lr = round(float(torch.rand(()) * 0.8 + 0.2), 2)    # 0.2 .. 1.0, its own on each seed
    return X / X.norm(dim=1, keepdim=True), y, lr


def weights():
    return torch.randn(2, HIDDEN), torch.randn(HIDDEN, 1)


def bce(X, y, w1, w2) -> torch.Tensor:
    return F.binary_cross_entropy(torch.sigmoid(torch.sigmoid(X @ w1) @ w2), y)


def run(ctx):
    X, y, lr = problem(ctx.seed, ctx.data_dir)
    w1, w2 = weights()
    n = len(X)
    pick2 = torch.tensor([int(torch.randint(0, n // 2, ())), int(torch.randint(n // 2, n, ()))])
    pick7 = torch.randperm(n)[:7]
    probes = [(X, y, w1, w2), (X[pick2], y[pick2], *weights()), (X[pick7], y[pick7], *weights())]
    trace.note("lr", lr)
    with forbid_autograd():
        gradients, gd_step = ctx.require("gradients"), ctx.require("gd_step")
        for i, (Xp, yp, a, b) in enumerate(probes):
            for key, v in (("probe/X", Xp), ("probe/y", yp), ("probe/w1", a), ("probe/w2", b)):
                trace.record(key, v, step=i)
            got = probe(f"gradients#{i}", gradients, Xp.clone(), yp.clone(), a.clone(), b.clone())
            record_pair(got, "gradients", ("grad_w1", "grad_w2"), i, as_tensor)
        for i, (Xp, yp, a, b) in enumerate(probes):
            got = probe(f"gd_step#{i}", gd_step, Xp.clone(), yp.clone(), a.clone(), b.clone(), lr)
            record_pair(got, "gd_step", ("step_w1", "step_w2"), i, as_tensor)
        train(gd_step, X, y, w1, w2, lr)



def train(gd_step, X, y, w1, w2, lr) -> None:
    """STEPS steps of full-batch gradient descent through the student's gd_step."""
    trace.record("loss", bce(X, y, w1, w2))
    for k in range(STEPS):
        got = probe(f"train#{k}", gd_step, X.clone(), y.clone(), w1.clone(), w2.clone(), lr)
        if not record_pair(got, "gd_step", ("w1", "w2"), k, as_tensor):
            return
        w1, w2 = (trace.current().trace.get(key, k).to(torch.float32) for key in ("w1", "w2"))
        if w1.shape != (2, HIDDEN) or w2.shape != (HIDDEN, 1):
            return
        if not (torch.isfinite(w1).all() and torch.isfinite(w2).all()):
            return
        trace.record("loss", bce(X, y, w1, w2), step=k)
