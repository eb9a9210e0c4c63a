"""One training step: forward, loss, zero_grad, backward, step."""


def train_step(model, x, y, loss_fn, optimizer):
    pred = model(x)
    loss = loss_fn(pred, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
