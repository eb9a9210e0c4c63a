"""Training on a target of shape [N]: reshape it to [N, 1] to match the predictions."""


def train(model, x, y, loss_fn, optimizer, steps):
    y = y.unsqueeze(1)
    for _ in range(steps):
        pred = model(x)
        loss = loss_fn(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
