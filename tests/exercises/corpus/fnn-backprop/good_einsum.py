# expect: full
# einsum for every product
import torch


def gradients(X, y, w1, w2):
    h = torch.sigmoid(torch.einsum("ni,ij->nj", X, w1))
    y_hat = torch.sigmoid(torch.einsum("nj,jk->nk", h, w2))
    delta2 = (y_hat - y) / X.shape[0]
    dw2 = torch.einsum("nj,nk->jk", h, delta2)
    delta1 = torch.einsum("nk,jk->nj", delta2, w2) * h * (1 - h)
    dw1 = torch.einsum("ni,nj->ij", X, delta1)
    return dw1, dw2


def gd_step(X, y, w1, w2, lr):
    dw1, dw2 = gradients(X, y, w1, w2)
    return w1 - lr * dw1, w2 - lr * dw2
