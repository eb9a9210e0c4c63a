# expect: full
import torch


def gradients(a, b, x, y):
    n = x.numel()
    residuals = (a * x + b) - y
    return (2 / n * torch.dot(residuals, x)).item(), (2 / n * residuals.sum()).item()


def sgd_step(a, b, x, y, lr):
    ga, gb = gradients(a, b, x, y)
    a, b = a - lr * ga, b - lr * gb
    return a.item(), b.item()
