# expect: mistake numerical_grad_inaccurate
"""A central difference, but eps = 1e-12 by default: rounding swamps the difference."""
import torch


def numerical_grad(f, x, eps=1e-12):
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        step = torch.zeros_like(x).view(-1)
        step[i] = eps
        step = step.view_as(x)
        grad.view(-1)[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def gradient_check(f, x, eps=1e-6):
    xg = x.detach().clone().requires_grad_(True)
    f(xg).backward()
    return torch.allclose(xg.grad, numerical_grad(f, x.detach(), eps), rtol=1e-4, atol=1e-6)
