# expect: mistake uses_autograd
# Bypass attempt: the autograd code is assembled as text and run through exec.
import torch

_SRC = "\n".join([
    "def _g(a, b, x, y):",
    "    with torch.enable_grad():",
    "        a = a.clone().requires_" + "grad_()",
    "        b = b.clone().requires_" + "grad_()",
    "        l = ((a * x + b - y) ** 2).mean()",
    "        return torch.auto" + "grad.grad(l, (a, b))",
])
_NS = {"torch": torch}
exec(_SRC, _NS)


def gradients(a, b, x, y):
    return _NS["_g"](a, b, x, y)


def sgd_step(a, b, x, y, lr):
    da, db = gradients(a, b, x, y)
    return a - lr * da, b - lr * db
