# expect: full
import torch


def gradients(a, b, x, y):
    y_pred = a * x + b
    error = y - y_pred
    dL_da = -2 * torch.mean(error * x)
    dL_db = -2 * torch.mean(error)
    return dL_da, dL_db


def sgd_step(a, b, x, y, lr):
    grad_a, grad_b = gradients(a, b, x, y)
    a = a - lr * grad_a
    b = b - lr * grad_b
    return a, b
