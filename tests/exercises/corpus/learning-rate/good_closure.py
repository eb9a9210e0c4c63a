# expect: full
"""optimizer.step(closure), the closure clearing with zero_grad(set_to_none=False)."""
LEARNING_RATE = 0.11


def train(model, x, y, loss_fn, optimizer, steps):
    def closure():
        optimizer.zero_grad(set_to_none=False)
        loss = loss_fn(model(x), y)
        loss.backward()
        return loss

    for _ in range(steps):
        optimizer.step(closure)
