# expect: full
# torch.special.expit for the sigmoid, helpers for each layer, the delta written from its pieces
import torch
from torch.special import expit


def layer_back(delta, weights, activation):
    return (delta @ weights.T) * activation * (1 - activation)


def gradients(X, y, w1, w2):
    h = expit(X @ w1)
    p = expit(h @ w2)
    dC_dp = (p - y) / (p * (1 - p)) / len(X)      # derivative of the mean BCE
    delta2 = dC_dp * p * (1 - p)                    # times the output sigmoid's derivative
    return X.T @ layer_back(delta2, w2, h), h.T @ delta2


def gd_step(X, y, w1, w2, lr):
    g1, g2 = gradients(X, y, w1, w2)
    return w1 - lr * g1, w2 - lr * g2
