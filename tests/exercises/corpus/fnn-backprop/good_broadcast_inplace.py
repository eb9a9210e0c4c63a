# expect: full
import torch


def gradients(X, y, w1, w2):
    n = X.size(0)
    h = torch.sigmoid(X @ w1)
    y_hat = torch.sigmoid(h @ w2)
    delta2 = (y_hat - y) / n
    grad_w2 = torch.einsum("nh,no->ho", h, delta2)
    delta1 = delta2 * w2.T * h * (1 - h)         # (N x 1) * (1 x 32) broadcasts to N x 32
    grad_w1 = torch.einsum("ni,nh->ih", X, delta1)
    return grad_w1, grad_w2


def gd_step(X, y, w1, w2, lr):
    grad_w1, grad_w2 = gradients(X, y, w1, w2)
    w1 -= lr * grad_w1
    w2 -= lr * grad_w2
    return w1, w2
