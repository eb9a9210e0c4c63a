# expect: mistake returned_wrong_value
"""Trains right, but returns the loss recomputed after the update, not the step's loss."""


def train_step(model, x, y, loss_fn, optimizer):
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss_fn(model(x), y).item()
