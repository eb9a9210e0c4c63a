# expect: full
import torch


def gradients(a, b, x, y):
    # design matrix [x, 1] and parameters theta = [a, b]: L = |A theta - y|^2 / N
    A = torch.stack([x, torch.ones_like(x)], dim=1)
    theta = torch.stack([a.reshape(()), b.reshape(())])
    residual = A @ theta - y
    grad = 2.0 / x.shape[0] * (A.T @ residual)
    return grad[0], grad[1]


def sgd_step(a, b, x, y, lr):
    g = torch.stack(gradients(a, b, x, y))
    theta = torch.stack([a.reshape(()), b.reshape(())]) - lr * g
    return theta[0], theta[1]
