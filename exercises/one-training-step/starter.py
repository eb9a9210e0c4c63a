"""One training step: forward, loss, zero_grad, backward, step."""


def train_step(model, x, y, loss_fn, optimizer):
    pred = model(x)
    loss = loss_fn(pred, y)
    # TODO: clear the old gradients, compute new ones, and update the parameters.
    return loss.item()
