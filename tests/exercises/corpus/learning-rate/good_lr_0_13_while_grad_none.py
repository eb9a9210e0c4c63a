# expect: full
"""A while loop counting down, clearing through the optimizer's param_groups."""
LEARNING_RATE = 0.13


def train(model, x, y, loss_fn, optimizer, steps):
    left = steps
    while left > 0:
        for group in optimizer.param_groups:
            for p in group["params"]:
                p.grad = None
        prediction = model.forward(x)
        loss_fn(prediction, y).backward()
        optimizer.step()
        left -= 1
