# expect: full
"""Python floats in a list turned back into a (float32) tensor, eps = 1e-2, divide by eps then 2."""
import itertools

import torch


def numerical_grad(f, x, eps=1e-2):
    out = []
    for idx in itertools.product(*[range(n) for n in x.shape]):
        xp, xm = x.clone(), x.clone()
        xp[idx] += eps
        xm[idx] -= eps
        out.append((float(f(xp)) - float(f(xm))) / eps / 2)
    return torch.tensor(out).reshape(x.shape)


def gradient_check(f, x, eps=1e-2):
    xg = x.clone().requires_grad_(True)
    f(xg).backward()
    return bool(torch.allclose(xg.grad, numerical_grad(f, x, eps).to(xg.dtype), rtol=1e-3, atol=1e-5))
