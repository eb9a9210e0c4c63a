# expect: mistake one_sided_difference
"""Forward difference (f(x + eps) - f(x)) / eps: accurate only to about eps."""
import torch


def numerical_grad(f, x, eps=1e-4):
    grad = torch.zeros_like(x)
    fx = f(x)
    for i in range(x.numel()):
        xp = x.clone()
        xp.view(-1)[i] += eps
        grad.view(-1)[i] = (f(xp) - fx) / eps
    return grad


def gradient_check(f, x, eps=1e-4):
    xg = x.clone().requires_grad_(True)
    f(xg).backward()
    return torch.allclose(xg.grad, numerical_grad(f, x, eps), rtol=1e-3, atol=1e-4)
