# expect: full
# in-place updates of the weights passed in, and torch.addmm for the step
import torch


def gradients(X, y, w1, w2):
    h = X.matmul(w1).sigmoid_()
    y_hat = h.matmul(w2).sigmoid_()
    delta2 = y_hat.sub_(y).div_(len(X))
    dw2 = h.t().matmul(delta2)
    delta1 = delta2.matmul(w2.t()).mul_(h * (1 - h))
    return X.t().matmul(delta1), dw2


def gd_step(X, y, w1, w2, lr):
    dw1, dw2 = gradients(X, y, w1, w2)
    w1.add_(dw1, alpha=-lr)
    w2.sub_(lr * dw2)
    return w1, w2
