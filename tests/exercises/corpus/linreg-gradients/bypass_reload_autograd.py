# expect: mistake uses_autograd
# Bypass attempt: reload autograd's functional module so its functions are fresh again.
import importlib
import sys

import torch


def gradients(a, b, x, y):
    fn = importlib.reload(sys.modules["torch.autograd." + "functional"])
    loss = lambda a, b: ((a * x + b - y) ** 2).mean()
    return fn.vjp(loss, (a, b))[1]


def sgd_step(a, b, x, y, lr):
    da, db = gradients(a, b, x, y)
    return a - lr * da, b - lr * db
