# expect: mistake hidden_derivative_forgotten
import torch


def gradients(X, y, w1, w2):
    h = torch.sigmoid(X @ w1)
    y_hat = torch.sigmoid(h @ w2)
    delta2 = (y_hat - y) / len(X)
    delta1 = delta2 @ w2.T                      # the hidden sigmoid's derivative is missing
    return X.T @ delta1, h.T @ delta2


def gd_step(X, y, w1, w2, lr):
    dw1, dw2 = gradients(X, y, w1, w2)
    return w1 - lr * dw1, w2 - lr * dw2
