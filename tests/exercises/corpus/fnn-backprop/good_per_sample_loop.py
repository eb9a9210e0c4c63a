# expect: full
import torch


def sigmoid(s):
    return 1 / (1 + torch.exp(-s))


def gradients(X, y, w1, w2):
    n = X.shape[0]
    g1 = torch.zeros_like(w1)
    g2 = torch.zeros_like(w2)
    for i in range(n):
        x = X[i:i + 1]                  # 1 x 2
        h = sigmoid(x @ w1)             # 1 x 32
        p = sigmoid(h @ w2)             # 1 x 1
        d2 = p - y[i:i + 1]
        g2 += h.T @ d2
        d1 = (d2 @ w2.T) * h * (1 - h)
        g1 += x.T @ d1
    return g1 / n, g2 / n


def gd_step(X, y, w1, w2, lr):
    g1, g2 = gradients(X, y, w1, w2)
    return w1 - lr * g1, w2 - lr * g2
