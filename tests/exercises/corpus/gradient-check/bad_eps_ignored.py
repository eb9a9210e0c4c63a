# expect: mistake eps_ignored
"""A central difference with a hard-coded step: the eps argument is never used."""
import torch

H = 1e-6


def numerical_grad(f, x, eps=1e-6):
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        xp, xm = x.clone(), x.clone()
        xp.view(-1)[i] += H
        xm.view(-1)[i] -= H
        grad.view(-1)[i] = (f(xp) - f(xm)) / (2 * H)
    return grad


def gradient_check(f, x, eps=1e-6):
    xg = x.clone().requires_grad_(True)
    f(xg).backward()
    return torch.allclose(xg.grad, numerical_grad(f, x, eps), rtol=1e-4, atol=1e-6)
