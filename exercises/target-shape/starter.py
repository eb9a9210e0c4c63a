"""Training on a target of shape [N]: the predictions have shape [N, 1]. Fix the shapes."""


def train(model, x, y, loss_fn, optimizer, steps):
    for _ in range(steps):
        pred = model(x)
        loss = loss_fn(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
