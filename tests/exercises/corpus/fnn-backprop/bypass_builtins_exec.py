# expect: mistake uses_autograd
# Bypass attempt: builtins reached through a dict, code compiled from text at import.
import torch
import torch.nn.functional as F

_b = __builtins__ if isinstance(__builtins__, dict) else vars(__builtins__)
_ns = {"torch": torch, "F": F}
_b["ex" + "ec"]("\n".join([
    "def g(X, y, w1, w2):",
    "    with torch.enable_grad():",
    "        w1 = w1.detach().clone(); w2 = w2.detach().clone()",
    "        w1.requires_grad = True; w2.requires_grad = True",
    "        c = F.binary_cross_entropy(torch.sigmoid(torch.sigmoid(X @ w1) @ w2), y)",
    "        return torch.autograd.grad(c, (w1, w2))",
]), _ns)


def gradients(X, y, w1, w2):
    return _ns["g"](X, y, w1, w2)


def gd_step(X, y, w1, w2, lr):
    dw1, dw2 = gradients(X, y, w1, w2)
    return w1 - lr * dw1, w2 - lr * dw2
