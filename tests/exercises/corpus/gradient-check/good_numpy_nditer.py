# expect: full
"""CS231n style: np.nditer over x's indices with a saved old value, and a relative error."""
import numpy as np
import torch


def numerical_grad(f, x, eps=1e-5):
    grad = torch.zeros_like(x)
    it = np.nditer(x.numpy(), flags=["multi_index"], op_flags=["readonly"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix].item()
        x[ix] = old + eps
        fxph = f(x).item()
        x[ix] = old - eps
        fxmh = f(x).item()
        x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * eps)
        it.iternext()
    return grad


def rel_error(a, b):
    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))


def gradient_check(f, x, eps=1e-5):
    xg = x.detach().clone().requires_grad_(True)
    f(xg).backward()
    numeric = numerical_grad(f, x.detach().clone(), eps)
    return bool(rel_error(xg.grad.numpy(), numeric.numpy()) < 1e-5)
