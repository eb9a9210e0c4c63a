# expect: mistake overshoot
LEARNING_RATE = 0.3


def train(model, x, y, loss_fn, optimizer, steps):
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
