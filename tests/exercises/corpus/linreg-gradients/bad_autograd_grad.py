# expect: mistake uses_autograd
import torch
from torch.autograd import grad


def gradients(a, b, x, y):
    a = torch.tensor(float(a), requires_grad=True)
    b = torch.tensor(float(b), requires_grad=True)
    with torch.enable_grad():
        loss = torch.nn.functional.mse_loss(a * x + b, y)
        return grad(loss, [a, b])


def sgd_step(a, b, x, y, lr):
    da, db = gradients(a, b, x, y)
    return a - lr * da, b - lr * db
