# expect: mistake input_not_restored
"""Nudges x in place and never puts the element back: x ends eps lower everywhere."""
import torch


def numerical_grad(f, x, eps=1e-6):
    grad = torch.zeros_like(x)
    flat = x.view(-1)
    for i in range(flat.numel()):
        flat[i] += eps
        fp = f(x)
        flat[i] -= 2 * eps
        fm = f(x)
        grad.view(-1)[i] = (fp - fm) / (2 * eps)
    return grad


def gradient_check(f, x, eps=1e-6):
    xg = x.clone().requires_grad_(True)
    f(xg).backward()
    return torch.allclose(xg.grad, numerical_grad(f, x.clone(), eps), rtol=1e-4, atol=1e-6)
