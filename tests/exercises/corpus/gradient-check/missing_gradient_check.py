# expect: verdict missing
"""Only numerical_grad is written: the exercise also needs gradient_check."""
import torch


def numerical_grad(f, x, eps=1e-6):
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        xp, xm = x.clone(), x.clone()
        xp.view(-1)[i] += eps
        xm.view(-1)[i] -= eps
        grad.view(-1)[i] = (f(xp) - f(xm)) / (2 * eps)
    return grad
