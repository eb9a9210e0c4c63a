# expect: full
LEARNING_RATE = 0.1


def train(model, x, y, loss_fn, optimizer, steps):
    for step in range(steps):
        model.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
