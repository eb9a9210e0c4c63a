# expect: mistake numerical_grad_inaccurate
"""A central difference with eps = 0.5 by default: far outside the sensible range."""
import torch


def numerical_grad(f, x, eps=0.5):
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        xp, xm = x.clone(), x.clone()
        xp.view(-1)[i] += eps
        xm.view(-1)[i] -= eps
        grad.view(-1)[i] = (f(xp) - f(xm)) / (2 * eps)
    return grad


def gradient_check(f, x, eps=1e-6):
    xg = x.clone().requires_grad_(True)
    f(xg).backward()
    return torch.allclose(xg.grad, numerical_grad(f, x, eps), rtol=1e-4, atol=1e-6)
