"""Gradient checking: a numerical gradient, compared with autograd's."""
import torch


def numerical_grad(f, x, eps=1e-6):
    """The numerical gradient of f at x, one element at a time (x must stay unchanged)."""
    grad = torch.zeros_like(x)
    fx = f(x)
    for i in range(x.numel()):
        step = torch.zeros_like(x).view(-1)
        step[i] = eps
        # TODO: this one-sided difference is only accurate to about eps; make it central.
        grad.view(-1)[i] = (f(x + step.view_as(x)) - fx) / eps
    return grad


def gradient_check(f, x, eps=1e-6):
    """True when autograd's gradient of f at x agrees with numerical_grad(f, x, eps)."""
    # TODO: compute autograd's gradient of f at x and compare it with the numerical one.
    return True
