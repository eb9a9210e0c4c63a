# expect: mistake one_sided_difference
"""Backward difference (f(x) - f(x - eps)) / eps with a small eps: close to autograd, still one-sided."""
import torch


def numerical_grad(f, x, eps=1e-6):
    grad = torch.zeros_like(x)
    fx = f(x)
    for i in range(x.numel()):
        xm = x.clone()
        xm.view(-1)[i] -= eps
        grad.view(-1)[i] = (fx - f(xm)) / eps
    return grad


def gradient_check(f, x, eps=1e-6):
    xg = x.clone().requires_grad_(True)
    f(xg).backward()
    return torch.allclose(xg.grad, numerical_grad(f, x, eps), rtol=1e-4, atol=1e-6)
