# expect: full
"""One-hot basis vectors from F.one_hot and a list comprehension; no loop variable mutated."""
import torch
import torch.nn.functional as F


def numerical_grad(f, x, eps=1e-5):
    n = x.numel()
    basis = F.one_hot(torch.arange(n), n).to(x.dtype) * eps
    diffs = [f(x + e.view_as(x)) - f(x - e.view_as(x)) for e in basis]
    return (torch.stack(diffs) / (2 * eps)).view_as(x)


def gradient_check(f, x, eps=1e-5):
    xg = x.detach().clone().requires_grad_(True)
    f(xg).backward()
    return torch.allclose(xg.grad, numerical_grad(f, x.detach(), eps), rtol=1e-4, atol=1e-6)
