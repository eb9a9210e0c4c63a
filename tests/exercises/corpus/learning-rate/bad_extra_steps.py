# expect: mistake wrong_step_count
LEARNING_RATE = 0.05


def train(model, x, y, loss_fn, optimizer, steps):
    for _ in range(2 * steps):  # twice the steps, to make up for a small rate
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
