# expect: mistake finite_differences
# central differences, all perturbations of both weights in one batched forward pass
import torch


def gradients(X, y, w1, w2):
    X, y, w1, w2 = (t.double() for t in (X, y, w1, w2))
    flat = torch.cat([w1.reshape(-1), w2.reshape(-1)])
    k, h = flat.numel(), 1e-6
    W = torch.cat([flat + h * torch.eye(k, dtype=flat.dtype), flat - h * torch.eye(k, dtype=flat.dtype)])
    W1 = W[:, :64].reshape(-1, 2, 32)
    W2 = W[:, 64:].reshape(-1, 32, 1)
    y_hat = torch.sigmoid(torch.sigmoid(X @ W1) @ W2)
    c = -(y * torch.log(y_hat) + (1 - y) * torch.log(1 - y_hat)).mean(dim=(1, 2))
    g = (c[:k] - c[k:]) / (2 * h)
    return g[:64].reshape(2, 32).float(), g[64:].reshape(32, 1).float()


def gd_step(X, y, w1, w2, lr):
    dw1, dw2 = gradients(X, y, w1, w2)
    return w1 - lr * dw1, w2 - lr * dw2
