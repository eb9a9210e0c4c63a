# expect: mistake finite_differences
# one-sided differences in float64, one weight matrix at a time, all perturbations in one batch
import torch


def cost(X, y, W1, W2):
    p = torch.sigmoid(torch.sigmoid(X @ W1) @ W2)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean(dim=(-2, -1))


def gradients(X, y, w1, w2):
    X, y, w1, w2 = (t.double() for t in (X, y, w1, w2))
    h = 1e-7
    base = cost(X, y, w1, w2)
    E1 = torch.eye(64, dtype=X.dtype).reshape(64, 2, 32)
    E2 = torch.eye(32, dtype=X.dtype).reshape(32, 32, 1)
    g1 = (cost(X, y, w1 + h * E1, w2) - base) / h
    g2 = (cost(X, y, w1, w2 + h * E2) - base) / h
    return g1.reshape(2, 32).float(), g2.reshape(32, 1).float()


def gd_step(X, y, w1, w2, lr):
    dw1, dw2 = gradients(X, y, w1, w2)
    return w1 - lr * dw1, w2 - lr * dw2
