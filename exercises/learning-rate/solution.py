"""Learning rate: the reference solution (never shown to students)."""

LEARNING_RATE = 0.1


def train(model, x, y, loss_fn, optimizer, steps):
    for _ in range(steps):
        pred = model(x)
        loss = loss_fn(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
