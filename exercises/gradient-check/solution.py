"""Gradient checking: a central-difference numerical gradient, compared with autograd's."""
import torch


def numerical_grad(f, x, eps=1e-6):
    """(f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every element i of x; x is left unchanged."""
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        step = torch.zeros_like(x).view(-1)
        step[i] = eps
        step = step.view_as(x)
        grad.view(-1)[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def gradient_check(f, x, eps=1e-6, rtol=1e-4, atol=1e-6):
    """True when autograd's gradient of f at x agrees with the numerical one."""
    x = x.detach().clone().requires_grad_(True)
    f(x).backward()
    return torch.allclose(x.grad, numerical_grad(f, x.detach(), eps), rtol=rtol, atol=atol)
