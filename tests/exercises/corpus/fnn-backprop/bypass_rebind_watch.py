# expect: mistake autograd_watch_off
# Bypass attempt: reach the grader's watch module by an assembled name, blind its node counter,
# pop its saved-tensor hook, then run the engine.
import torch
import torch.nn.functional as F

_w = __import__("grad" + "ers.trace.autograd" + "_watch", fromlist=["_"])
setattr(_w, "_sequence" + "_nr", lambda: 0)
_ag = vars(torch._C)["_auto" + "grad"]


def gradients(X, y, w1, w2):
    if _ag._top_saved_tensors_default_hooks(False) is not None:
        _ag._pop_saved_tensors_default_hooks()
    with torch.enable_grad():
        w1 = w1.detach().clone().requires_grad_()
        w2 = w2.detach().clone().requires_grad_()
        cost = F.binary_cross_entropy(torch.sigmoid(torch.sigmoid(X @ w1) @ w2), y)
        engine = vars(vars(torch)["auto" + "grad"])["Variable"]._execution_engine
        return engine.run_backward((cost,), (torch.ones(()),), False, False, (w1, w2), False, False)


def gd_step(X, y, w1, w2, lr):
    dw1, dw2 = gradients(X, y, w1, w2)
    return w1 - lr * dw1, w2 - lr * dw2
