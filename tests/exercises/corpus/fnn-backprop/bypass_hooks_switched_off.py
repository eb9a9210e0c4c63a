# expect: mistake uses_autograd
# Bypass attempt: switch off the saved-tensor hooks and the grad mode the grader set, then backward.
import torch
import torch.nn.functional as F

_ag = vars(torch._C)["_auto" + "grad"]


def gradients(X, y, w1, w2):
    top = _ag._top_saved_tensors_default_hooks(False)
    if top is not None:
        _ag._pop_saved_tensors_default_hooks()
    torch._C._set_grad_enabled(True)
    w1 = w1.detach().clone().requires_grad_()
    w2 = w2.detach().clone().requires_grad_()
    cost = F.binary_cross_entropy(torch.sigmoid(torch.sigmoid(X @ w1) @ w2), y)
    getattr(torch.Tensor, "back" + "ward").__wrapped__(cost) if hasattr(
        torch.Tensor.backward, "__wrapped__") else type(vars(torch.autograd)["Variable"]._execution_engine).run_backward(
        vars(torch.autograd)["Variable"]._execution_engine, (cost,), (torch.ones(()),),
        True, False, (w1, w2), True, True)
    torch._C._set_grad_enabled(False)
    if top is not None:
        _ag._push_saved_tensors_default_hooks(*top)
    return w1.grad, w2.grad


def gd_step(X, y, w1, w2, lr):
    dw1, dw2 = gradients(X, y, w1, w2)
    return w1 - lr * dw1, w2 - lr * dw2
