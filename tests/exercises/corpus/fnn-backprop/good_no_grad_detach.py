# expect: full
# torch.no_grad(), detach() and the torch.mm / torch.t spelling
import torch


def gradients(X, y, w1, w2):
    with torch.no_grad():
        h = torch.sigmoid(torch.mm(X, w1)).detach()
        y_hat = torch.sigmoid(torch.mm(h, w2)).detach()
        delta2 = (y_hat - y).div(X.size(0))
        dw2 = torch.mm(torch.t(h), delta2)
        delta1 = torch.mm(delta2, torch.t(w2)).mul(h).mul(1 - h)
        dw1 = torch.mm(torch.t(X), delta1)
    return dw1.detach(), dw2.detach()


def gd_step(X, y, w1, w2, lr):
    dw1, dw2 = gradients(X, y, w1, w2)
    with torch.no_grad():
        return w1.detach() - lr * dw1, w2.detach() - lr * dw2
