# expect: mistake check_rejects_correct_gradient
"""gradient_check compares with torch.equal: a correct backward never matches to the last bit."""
import torch


def numerical_grad(f, x, eps=1e-6):
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
    return torch.equal(xg.grad, numerical_grad(f, x, eps))
