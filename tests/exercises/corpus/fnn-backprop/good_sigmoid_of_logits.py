# expect: full
import torch


def gradients(X, y, w1, w2):
    z1 = torch.mm(X, w1)
    z2 = torch.mm(torch.sigmoid(z1), w2)
    dC_dz2 = torch.sigmoid(z2) - y                              # per sample; mean taken below
    h = torch.sigmoid(z1)
    dC_dw2 = torch.mm(torch.t(h), dC_dz2) / len(y)
    dC_dz1 = torch.mm(dC_dz2, torch.t(w2)) * torch.sigmoid(z1) * (1 - torch.sigmoid(z1))
    dC_dw1 = torch.mm(torch.t(X), dC_dz1) / len(y)
    return dC_dw1, dC_dw2


def gd_step(X, y, w1, w2, lr):
    g1, g2 = gradients(X, y, w1, w2)
    return w1 - lr * g1, w2 - lr * g2
