"""Backward pass of the 2 -> 32 -> 1 sigmoid net with binary cross-entropy, by hand, and one step
of gradient descent."""
import torch


def forward(X, w1, w2):
    h = torch.sigmoid(X @ w1)           # hidden activations, N x 32
    y_hat = torch.sigmoid(h @ w2)       # predictions, N x 1
    return h, y_hat


def gradients(X, y, w1, w2):
    h, y_hat = forward(X, w1, w2)
    delta2 = (y_hat - y) / X.shape[0]            # dC/dz2: BCE and sigmoid together, mean over N
    dC_dw2 = h.T @ delta2                        # 32 x 1, like w2
    delta1 = (delta2 @ w2.T) * h * (1 - h)       # dC/dz1: back through w2, then sigmoid'(z1) = h(1 - h)
    dC_dw1 = X.T @ delta1                        # 2 x 32, like w1
    return dC_dw1, dC_dw2


def gd_step(X, y, w1, w2, lr):
    dC_dw1, dC_dw2 = gradients(X, y, w1, w2)
    return w1 - lr * dC_dw1, w2 - lr * dC_dw2
