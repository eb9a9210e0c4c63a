# expect: mistake step_repeated
"""optimizer.step() called twice per training step: each batch updates the parameters twice."""


def train_step(model, x, y, loss_fn, optimizer):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    optimizer.step()
    return loss.item()
