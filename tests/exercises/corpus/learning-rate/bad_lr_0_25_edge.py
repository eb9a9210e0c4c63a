# expect: mistake edge_of_stability
"""lr = 0.25 sits exactly at the edge of stability: the steepest direction bounces forever."""
LEARNING_RATE = 0.25


def train(model, x, y, loss_fn, optimizer, steps):
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
