# expect: mistake uses_autograd
# Bypass attempt: a torch.autograd.Function subclass whose backward is asked for by the engine.
import torch

Function = vars(vars(torch)["auto" + "grad"])["Func" + "tion"]


class Square(Function):
    @staticmethod
    def forward(ctx, r):
        ctx.save_for_backward(r)
        return r * r

    @staticmethod
    def backward(ctx, g):
        (r,) = ctx.saved_tensors
        return 2 * r * g


def gradients(a, b, x, y):
    with torch.enable_grad():
        a, b = a.clone(), b.clone()
        a.requires_grad_(True)
        b.requires_grad_(True)
        loss = Square.apply(a * x + b - y).mean()
        getattr(loss, "".join(["back", "ward"]))()
    return a.grad, b.grad


def sgd_step(a, b, x, y, lr):
    da, db = gradients(a, b, x, y)
    return a - lr * da, b - lr * db
