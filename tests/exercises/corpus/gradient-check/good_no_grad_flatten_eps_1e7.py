# expect: full
"""Under torch.no_grad, on a flattened copy, with a small eps = 1e-7 and a loop comparison."""
import math

import torch


def numerical_grad(f, x, eps=1e-7):
    base = x.detach().flatten().clone()
    grad = torch.empty_like(base)
    with torch.no_grad():
        for i in range(base.numel()):
            base[i] += eps
            up = f(base.reshape(x.shape))
            base[i] -= 2 * eps
            down = f(base.reshape(x.shape))
            base[i] += eps
            grad[i] = 0.5 * (up - down) / eps
    return grad.reshape(x.shape)


def gradient_check(f, x, eps=1e-7):
    leaf = x.detach().clone()
    leaf.requires_grad = True
    f(leaf).backward()
    numeric = numerical_grad(f, x, eps)
    return all(math.isclose(a, n, rel_tol=1e-4, abs_tol=1e-6)
               for a, n in zip(leaf.grad.flatten().tolist(), numeric.flatten().tolist()))
