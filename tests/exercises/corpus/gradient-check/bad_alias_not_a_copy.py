# expect: mistake one_sided_difference
"""`xp = x` is not a copy: by the time f(xm) runs, x is back at its start, so the minus side is f(x)."""
import torch


def numerical_grad(f, x, eps=1e-6):
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        xp = x
        xp.view(-1)[i] += eps
        fp = f(xp)
        xm = x
        xm.view(-1)[i] -= eps
        fm = f(xm)
        grad.view(-1)[i] = (fp - fm) / (2 * eps)
    return grad


def gradient_check(f, x, eps=1e-6):
    xg = x.clone().requires_grad_(True)
    f(xg).backward()
    return torch.allclose(xg.grad, numerical_grad(f, x.clone(), eps), rtol=1e-4, atol=1e-6)
