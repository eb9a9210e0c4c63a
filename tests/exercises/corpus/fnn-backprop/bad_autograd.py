# expect: mistake uses_autograd
import torch
import torch.nn.functional as F


def gradients(X, y, w1, w2):
    w1 = w1.clone().requires_grad_()
    w2 = w2.clone().requires_grad_()
    loss = F.binary_cross_entropy(torch.sigmoid(torch.sigmoid(X @ w1) @ w2), y)
    loss.backward()
    return w1.grad, w2.grad


def gd_step(X, y, w1, w2, lr):
    dw1, dw2 = gradients(X, y, w1, w2)
    return w1 - lr * dw1, w2 - lr * dw2
