# expect: mistake uses_autograd
import torch
import torch.nn.functional as F


def gradients(X, y, w1, w2):
    # autograd reached without naming it, so only the sandbox can tell
    w1, w2 = w1.clone(), w2.clone()
    for w in (w1, w2):
        setattr(w, "requires_" + "grad", True)
    loss = F.binary_cross_entropy(torch.sigmoid(torch.sigmoid(X @ w1) @ w2), y)
    getattr(loss, "back" + "ward")()
    return w1.grad, w2.grad


def gd_step(X, y, w1, w2, lr):
    dw1, dw2 = gradients(X, y, w1, w2)
    return w1 - lr * dw1, w2 - lr * dw2
