# expect: full
import torch


def gradients(X, y, w1, w2):
    X, y, w1, w2 = X.double(), y.double(), w1.double(), w2.double()
    h = 1.0 / (1.0 + torch.exp(-(X @ w1)))
    p = 1.0 / (1.0 + torch.exp(-(h @ w2)))
    d2 = (p - y) / len(X)
    d1 = (d2 @ w2.transpose(0, 1)) * (h - h ** 2)
    return (X.transpose(0, 1) @ d1).float(), (h.transpose(0, 1) @ d2).float()


def gd_step(X, y, w1, w2, lr):
    d1, d2 = gradients(X, y, w1, w2)
    return w1 - lr * d1, w2 - lr * d2
