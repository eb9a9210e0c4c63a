# expect: mistake uses_autograd
# Bypass attempt: forward mode, one torch.func.jvp per weight, module from sys.modules.
import sys

import torch
import torch.nn.functional as F

_jvp = vars(sys.modules["torch." + "func"])["j" + "vp"]


def gradients(X, y, w1, w2):
    cost = lambda w1, w2: F.binary_cross_entropy(torch.sigmoid(torch.sigmoid(X @ w1) @ w2), y)
    g1, g2 = torch.zeros_like(w1), torch.zeros_like(w2)
    for g, which in ((g1, 0), (g2, 1)):
        for i in range(g.numel()):
            t1, t2 = torch.zeros_like(w1), torch.zeros_like(w2)
            (t1, t2)[which].view(-1)[i] = 1.0
            g.view(-1)[i] = _jvp(cost, (w1, w2), (t1, t2))[1]
    return g1, g2


def gd_step(X, y, w1, w2, lr):
    dw1, dw2 = gradients(X, y, w1, w2)
    return w1 - lr * dw1, w2 - lr * dw2
