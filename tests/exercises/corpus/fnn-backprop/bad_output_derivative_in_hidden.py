# expect: mistake output_derivative_in_hidden
import torch


def gradients(X, y, w1, w2):
    h = torch.sigmoid(X @ w1)
    y_hat = torch.sigmoid(h @ w2)
    delta2 = (y_hat - y) / len(X)
    delta1 = (delta2 @ w2.T) * y_hat * (1 - y_hat)   # the output layer's derivative, not h(1 - h)
    return X.T @ delta1, h.T @ delta2


def gd_step(X, y, w1, w2, lr):
    dw1, dw2 = gradients(X, y, w1, w2)
    return w1 - lr * dw1, w2 - lr * dw2
