# expect: full
"""One-hot steps from torch.eye, eps = 1e-3, and a check that returns a 0-dim bool tensor."""
import torch


def numerical_grad(f, x, eps=1e-3):
    basis = torch.eye(x.numel(), dtype=x.dtype).reshape(-1, *x.shape)
    values = [(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in basis]
    return torch.stack(values).reshape(x.shape)


def gradient_check(f, x, eps=1e-3):
    x = x.detach().clone().requires_grad_()
    loss = f(x)
    loss.backward()
    with torch.no_grad():
        numeric = numerical_grad(f, x.detach(), eps)
    return (x.grad - numeric).abs().max() < 1e-5
