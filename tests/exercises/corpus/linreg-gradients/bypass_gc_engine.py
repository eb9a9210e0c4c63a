# expect: mistake uses_autograd
# Bypass attempt: walk the garbage collector's objects to find the autograd engine.
import gc

import torch


def _engine():
    for obj in gc.get_objects():
        if type(obj).__name__ == "_ImperativeEngine":
            return obj
    return vars(vars(torch)["autograd"])["Variable"]._execution_engine


def gradients(a, b, x, y):
    torch.set_grad_enabled(True)
    a = a.clone().requires_grad_()
    b = b.clone().requires_grad_()
    loss = ((a * x + b - y) ** 2).mean()
    da, db = _engine().run_backward((loss,), (torch.ones(()),), False, False, (a, b), False, False)
    torch.set_grad_enabled(False)
    return da, db


def sgd_step(a, b, x, y, lr):
    da, db = gradients(a, b, x, y)
    return a - lr * da, b - lr * db
