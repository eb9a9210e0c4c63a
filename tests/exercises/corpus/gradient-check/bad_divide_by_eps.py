# expect: mistake wrong_eps_scaling
"""Central difference divided by eps instead of 2 * eps: twice the gradient."""
import torch


def numerical_grad(f, x, eps=1e-6):
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        xp, xm = x.clone(), x.clone()
        xp.view(-1)[i] += eps
        xm.view(-1)[i] -= eps
        grad.view(-1)[i] = (f(xp) - f(xm)) / eps
    return grad


def gradient_check(f, x, eps=1e-6):
    xg = x.clone().requires_grad_(True)
    f(xg).backward()
    return torch.allclose(xg.grad, numerical_grad(f, x, eps), rtol=1e-4, atol=1e-6)
