# expect: full
# detach() freely, dot products instead of means
import torch


def gradients(a, b, x, y):
    a, b, x, y = a.detach(), b.detach(), x.detach(), y.detach()
    n = x.shape[0]
    r = (a * x + b - y).detach()
    return (2.0 / n) * torch.dot(r, x), (2.0 / n) * r.sum()


def sgd_step(a, b, x, y, lr):
    da, db = gradients(a, b, x, y)
    return (a - lr * da).detach(), (b - lr * db).detach()
