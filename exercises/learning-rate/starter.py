"""Learning rate: the loss of this training loop turns NaN after a few steps. Fix it."""

LEARNING_RATE = 1.0


def train(model, x, y, loss_fn, optimizer, steps):
    for _ in range(steps):
        pred = model(x)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
