# expect: full
"""Nudging x in place and restoring it in a finally block; relative error for the check."""
import numpy as np
import torch


def numerical_grad(f, x, eps=1e-4):
    grad = torch.empty_like(x)
    for idx in np.ndindex(*x.shape):
        old = x[idx].item()
        try:
            x[idx] = old + eps
            up = f(x).item()
            x[idx] = old - eps
            down = f(x).item()
        finally:
            x[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad


def gradient_check(f, x, eps=1e-4):
    xg = x.detach().clone().requires_grad_(True)
    (analytic,) = torch.autograd.grad(f(xg), xg)
    numeric = numerical_grad(f, x.detach().clone(), eps)
    rel = (analytic - numeric).norm() / (analytic.norm() + numeric.norm() + 1e-12)
    return bool(rel < 1e-5)
