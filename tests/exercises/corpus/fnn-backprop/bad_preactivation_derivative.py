# expect: mistake derivative_of_preactivation
import torch


def sigmoid_derivative(s):
    return s * (1 - s)


def gradients(X, y, w1, w2):
    z1 = X @ w1
    h = torch.sigmoid(z1)
    y_hat = torch.sigmoid(h @ w2)
    delta2 = (y_hat - y) / len(X)
    delta1 = (delta2 @ w2.T) * sigmoid_derivative(z1)
    return X.T @ delta1, h.T @ delta2


def gd_step(X, y, w1, w2, lr):
    dw1, dw2 = gradients(X, y, w1, w2)
    return w1 - lr * dw1, w2 - lr * dw2
