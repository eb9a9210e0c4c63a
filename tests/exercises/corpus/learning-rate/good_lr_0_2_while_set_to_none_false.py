# expect: full
LEARNING_RATE = 0.2


def train(model, x, y, loss_fn, optimizer, steps):
    """Full-batch gradient descent, returning the loss history."""
    history = []
    step = 0
    while step < steps:
        optimizer.zero_grad(set_to_none=False)
        pred = model(x)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        history.append(loss.item())
        step += 1
    return history
