# expect: mistake uses_autograd
# Bypass attempt: torch.func.vjp from a module imported under an assembled name.
import importlib

import torch

_f = importlib.import_module("torch." + "fu" + "nc")


def gradients(a, b, x, y):
    loss = lambda a, b: ((a * x + b - y) ** 2).mean()
    _, pullback = getattr(_f, "v" + "jp")(loss, a, b)
    return pullback(torch.ones(()))


def sgd_step(a, b, x, y, lr):
    da, db = gradients(a, b, x, y)
    return a - lr * da, b - lr * db
