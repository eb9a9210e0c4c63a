# expect: mistake uses_autograd
# Bypass attempt: functorch's own grad transform, imported from its private module by name.
import importlib

import torch
import torch.nn.functional as F

_eager = importlib.import_module("torch._func" + "torch.apis")


def gradients(X, y, w1, w2):
    cost = lambda w1, w2: F.binary_cross_entropy(torch.sigmoid(torch.sigmoid(X @ w1) @ w2), y)
    return vars(_eager)["gr" + "ad"](cost, argnums=(0, 1))(w1, w2)


def gd_step(X, y, w1, w2, lr):
    dw1, dw2 = gradients(X, y, w1, w2)
    return w1 - lr * dw1, w2 - lr * dw2
