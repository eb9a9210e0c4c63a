# expect: mistake uses_autograd
# Bypass attempt: the engine object reached through a chain of getattr with assembled names.
import torch

_T = getattr(torch, "_" + "C")
_ENGINE = getattr(getattr(getattr(torch, "auto" + "grad"), "Vari" + "able"), "_execution_" + "engine")


def gradients(a, b, x, y):
    with getattr(torch, "enable_" + "grad")():
        a = a.clone().detach()
        b = b.clone().detach()
        for t in (a, b):
            setattr(t, "requires_" + "grad", True)
        loss = ((a * x + b - y) ** 2).mean()
        run = getattr(_ENGINE, "run_" + "back" + "ward")
        da, db = run((loss,), (torch.ones(()),), False, False, (a, b), False, False)
    return da, db


def sgd_step(a, b, x, y, lr):
    da, db = gradients(a, b, x, y)
    return a - lr * da, b - lr * db
