"""Calls the student's numerical_grad and gradient_check on losses of the seed-001 and seed-004
nets (float64), and records the results next to autograd's gradient and one-sided differences.

Every seed draws its own data, weights and probe eps (0.01 on seed 1, 0.002 to 0.02 on the
others), so hidden seeds differ from the public ones.
"""
import torch
import torch.nn.functional as F

from graders import trace

PROBE_EPS = 1e-2        # the eps passed explicitly on seed 1 (inside the sensible range)
OTHER_PROBE_EPS = (2e-3, 5e-3, 2e-2)


def mse_problem(g: torch.Generator):
    """Seed 004: SimpleNet = Linear(10, 1) with MSELoss; the variable is its weight [1, 10]."""
    X, y = torch.randn(8, 10, generator=g, dtype=torch.float64), torch.randn(8, 1, generator=g, dtype=torch.float64)
    w = 0.3 * torch.randn(1, 10, generator=g, dtype=torch.float64)
    b = 0.3 * torch.randn(1, generator=g, dtype=torch.float64)
    return (lambda w_: F.mse_loss(F.linear(X, w_, b), y)), w


def fnn_data(g: torch.Generator):
    """Seed 001: the 2 -> 32 -> 1 sigmoid net with no bias, on unit-length 2-D flower features."""
    X = F.normalize(torch.rand(16, 2, generator=g, dtype=torch.float64) + 0.1, dim=1)
    y = (torch.rand(16, 1, generator=g, dtype=torch.float64) > 0.5).to(torch.float64)
    w1 = torch.randn(2, 32, generator=g, dtype=torch.float64)
    w2 = torch.randn(32, 1, generator=g, dtype=torch.float64)
    return X, y, w1, w2


def bce_problem(X, y, w1, w2):
    """The seed-001 net's BCE loss as a function of its first weight matrix w1 [2, 32]."""
    return (lambda w1_: F.binary_cross_entropy(torch.sigmoid(torch.sigmoid(X @ w1_) @ w2), y)), w1


class HandBackward(torch.autograd.Function):
    """BCE loss of the seed-001 net in w2, with the hand-derived backward of the article.

    slip=True repeats the article's slip: it multiplies (y4 - y) by the sigmoid derivative again."""

    @staticmethod
    def forward(ctx, w2, y2, y, slip):
        y4 = torch.sigmoid(y2 @ w2)
        ctx.save_for_backward(y2, y, y4)
        ctx.slip = slip
        return F.binary_cross_entropy(y4, y)

    @staticmethod
    def backward(ctx, grad_out):
        y2, y, y4 = ctx.saved_tensors
        delta = (y4 - y) / len(y)
        if ctx.slip:
            delta = delta * y4 * (1 - y4)
        return grad_out * (y2.T @ delta), None, None, None


def autograd_grad(f, x: torch.Tensor) -> torch.Tensor:
    x = x.detach().clone().requires_grad_(True)
    return torch.autograd.grad(f(x), x)[0]


def one_sided(f, x: torch.Tensor, eps: float, sign: int) -> torch.Tensor:
    """(f(x + eps e_i) - f(x)) / eps (sign=1) or (f(x) - f(x - eps e_i)) / eps (sign=-1)."""
    out, f0 = torch.empty_like(x), float(f(x))
    for i in range(x.numel()):
        e = torch.zeros_like(x).view(-1)
        e[i] = sign * eps
        out.view(-1)[i] = sign * (float(f(x + e.view_as(x))) - f0) / eps
    return out


def record_result(key: str, value) -> None:
    """Record what the student returned, or note its type when it is not a tensor of numbers."""
    try:
        trace.record(key, torch.as_tensor(value).detach().to(torch.float64))
    except (TypeError, ValueError, RuntimeError):
        trace.note(f"returned_type/{key}", type(value).__name__)


def probe_eps(seed: int) -> float:
    """The eps handed to numerical_grad explicitly: 0.01 on seed 1, drawn on the others."""
    if seed == 1:
        return PROBE_EPS
    g = torch.Generator().manual_seed(seed + 1)
    return OTHER_PROBE_EPS[int(torch.randint(len(OTHER_PROBE_EPS), (), generator=g))]


def call_numerical(numerical_grad, name: str, f, x: torch.Tensor, *eps) -> None:
    """Call numerical_grad on a copy of x; record its result and the copy afterwards."""
    tag = "probe" if eps else "num"
    x_in = x.clone()
    record_result(f"{tag}/{name}", numerical_grad(f, x_in, *eps))
    trace.record(f"{tag}_input_after/{name}", x_in)


def run(ctx):
    numerical_grad = ctx.require("numerical_grad")
    gradient_check = ctx.require("gradient_check")
    g = torch.Generator().manual_seed(ctx.seed)
    X, y, w1, w2 = fnn_data(g)
    problems = {"mse": mse_problem(g), "bce": bce_problem(X, y, w1, w2)}
    eps = probe_eps(ctx.seed)
    trace.note("probe_eps", eps)
    for name, (f, x) in problems.items():
        trace.record(f"input/{name}", x)
        trace.record(f"autograd/{name}", autograd_grad(f, x))
        trace.record(f"forward/{name}", one_sided(f, x, eps, 1))
        trace.record(f"backward/{name}", one_sided(f, x, eps, -1))
        call_numerical(numerical_grad, name, f, x)
        call_numerical(numerical_grad, name, f, x, eps)
    y2 = torch.sigmoid(X @ w1)
    for label, slip in (("correct", False), ("broken", True)):
        verdict = gradient_check(lambda w, slip=slip: HandBackward.apply(w, y2, y, slip), w2.clone())
        trace.note(f"check/{label}", as_bool(verdict))


def as_bool(value):
    """True/False for a bool, a NumPy bool or a one-element tensor; else the value's text."""
    if isinstance(value, torch.Tensor) and value.numel() == 1 and value.dtype == torch.bool:
        return bool(value)
    if type(value).__name__ in ("bool", "bool_"):
        return bool(value)
    return repr(value)[:80]
