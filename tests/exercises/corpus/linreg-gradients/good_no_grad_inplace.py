# expect: full
# torch.no_grad() around everything and in-place updates of the tensors passed in
import torch


def gradients(a, b, x, y):
    with torch.no_grad():
        r = a * x
        r += b
        r -= y
        return 2 * torch.mean(r * x), 2 * torch.mean(r)


def sgd_step(a, b, x, y, lr):
    with torch.no_grad():
        da, db = gradients(a, b, x, y)
        a -= lr * da
        b.sub_(lr * db)
    return a, b
