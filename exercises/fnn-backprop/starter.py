"""Backward pass of the 2 -> 32 -> 1 sigmoid net with binary cross-entropy, by hand, and one step
of gradient descent. No autograd: no loss.backward(), no torch.autograd."""
import torch


def forward(X, w1, w2):
    """X: N x 2, w1: 2 x 32, w2: 32 x 1. Returns the hidden activations h (N x 32) and the
    predictions y_hat (N x 1)."""
    h = torch.sigmoid(X @ w1)
    y_hat = torch.sigmoid(h @ w2)
    return h, y_hat


def gradients(X, y, w1, w2):
    """(dC/dw1, dC/dw2) of C = mean binary cross-entropy of y_hat against y (N x 1)."""
    h, y_hat = forward(X, w1, w2)
    # TODO 1: delta2 = dC/dz2, the gradient at the output layer's input z2 = h @ w2 (N x 1)
    # TODO 2: dC_dw2 from delta2 and h (shape of w2)
    # TODO 3: delta1 = dC/dz1, back through w2 and the hidden sigmoid (N x 32)
    # TODO 4: dC_dw1 from delta1 and X (shape of w1)
    dC_dw1 = torch.zeros_like(w1)
    dC_dw2 = torch.zeros_like(w2)
    return dC_dw1, dC_dw2


def gd_step(X, y, w1, w2, lr):
    """One step of gradient descent: return the new (w1, w2)."""
    dC_dw1, dC_dw2 = gradients(X, y, w1, w2)
    return w1 - lr * dC_dw1, w2 - lr * dC_dw2
