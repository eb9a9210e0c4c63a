# expect: mistake step_repeated
"""Two step() calls per pass, to go twice as fast with a small rate."""
LEARNING_RATE = 0.05


def train(model, x, y, loss_fn, optimizer, steps):
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        optimizer.step()
