# expect: mistake uses_autograd
# Bypass attempt: tensor hooks catch the gradients as the engine passes them on.
import torch


def gradients(a, b, x, y):
    caught = {}
    with torch.enable_grad():
        a = a.detach().clone().requires_grad_()
        b = b.detach().clone().requires_grad_()
        a.register_hook(lambda g: caught.__setitem__("a", g))
        b.register_hook(lambda g: caught.__setitem__("b", g))
        loss = ((a * x + b - y) ** 2).mean()
        torch.autograd.backward([loss])
    return caught["a"].detach(), caught["b"].detach()


def sgd_step(a, b, x, y, lr):
    da, db = gradients(a, b, x, y)
    return a - lr * da, b - lr * db
