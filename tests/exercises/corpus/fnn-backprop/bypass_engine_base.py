# expect: mistake uses_autograd
# Bypass attempt: a fresh engine object from the C extension's _EngineBase class.
import torch
import torch.nn.functional as F

_C = vars(torch)["_" + "C"]
_engine = getattr(_C, "_Imperative" + "Engine")()     # a second instance of the _EngineBase type


def gradients(X, y, w1, w2):
    with torch.enable_grad():
        w1 = w1.detach().clone().requires_grad_()
        w2 = w2.detach().clone().requires_grad_()
        cost = F.binary_cross_entropy(torch.sigmoid(torch.sigmoid(X @ w1) @ w2), y)
        return _engine.run_backward((cost,), (torch.ones(()),), False, False, (w1, w2), False, False)


def gd_step(X, y, w1, w2, lr):
    dw1, dw2 = gradients(X, y, w1, w2)
    return w1 - lr * dw1, w2 - lr * dw2
