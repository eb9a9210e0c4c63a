# expect: full
"""The classic loop: nudge x in place, evaluate, and put the old value back (eps = 1e-5)."""
import torch


def numerical_grad(f, x, eps=1e-5):
    grad = torch.zeros_like(x)
    flat, gflat = x.view(-1), grad.view(-1)
    for i in range(flat.numel()):
        old = flat[i].item()
        flat[i] = old + eps
        fp = f(x).item()
        flat[i] = old - eps
        fm = f(x).item()
        flat[i] = old
        gflat[i] = (fp - fm) / (2 * eps)
    return grad


def gradient_check(f, x, eps=1e-5):
    xg = x.detach().clone().requires_grad_(True)
    (analytic,) = torch.autograd.grad(f(xg), xg)
    numeric = numerical_grad(f, x.detach().clone(), eps)
    rel = (analytic - numeric).norm() / (analytic.norm() + numeric.norm())
    return rel.item() < 1e-6
