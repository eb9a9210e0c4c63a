# expect: full
"""numerical_grad with explicit multi-index loops over a 2-D x; gradient_check via torch's own."""
import torch


def numerical_grad(f, x, eps=1e-4):
    grad = torch.zeros_like(x)
    rows, cols = x.shape
    for r in range(rows):
        for c in range(cols):
            step = torch.zeros_like(x)
            step[r, c] = eps
            grad[r, c] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def gradient_check(f, x, eps=1e-6):
    x = x.detach().clone().requires_grad_(True)
    return torch.autograd.gradcheck(f, (x,), eps=eps, atol=1e-6, rtol=1e-4, raise_exception=False)
