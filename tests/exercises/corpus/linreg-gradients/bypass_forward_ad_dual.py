# expect: mistake uses_autograd
# Bypass attempt: forward-mode dual numbers, module imported with __import__ and an assembled name.
import torch

fw = __import__("torch.autograd." + "forward_ad", fromlist=["_"])


def gradients(a, b, x, y):
    out = []
    for da, db in ((1.0, 0.0), (0.0, 1.0)):
        with fw.dual_level():
            ad = fw.make_dual(a, torch.full_like(a, da))
            bd = fw.make_dual(b, torch.full_like(b, db))
            loss = ((ad * x + bd - y) ** 2).mean()
            out.append(fw.unpack_dual(loss).tangent)
    return out[0], out[1]


def sgd_step(a, b, x, y, lr):
    da, db = gradients(a, b, x, y)
    return a - lr * da, b - lr * db
