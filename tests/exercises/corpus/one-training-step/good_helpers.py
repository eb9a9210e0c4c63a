# expect: full
"""The step split into small helpers; the loss is read out before the update."""


def _forward_loss(model, x, y, loss_fn):
    return loss_fn(model.forward(x), y)


def _update(loss, optimizer):
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def train_step(model, x, y, loss_fn, optimizer):
    model.train()
    loss = _forward_loss(model, x, y, loss_fn)
    value = loss.item()
    _update(loss, optimizer)
    return value
