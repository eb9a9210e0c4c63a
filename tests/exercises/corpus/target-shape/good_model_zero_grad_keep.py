# expect: full
"""model.zero_grad(set_to_none=False) first in each step; the target fixed with y[:, None]."""


def train(model, x, y, loss_fn, optimizer, steps):
    column = y[:, None]
    step = 0
    while step < steps:
        model.zero_grad(set_to_none=False)
        loss_fn(model(x), column).backward()
        optimizer.step()
        step += 1
