# expect: mistake wrong_step_count
"""The shape is fixed, but the loop runs a fixed 5 steps instead of `steps`."""


def train(model, x, y, loss_fn, optimizer, steps):
    y = y.unsqueeze(1)
    for _ in range(5):
        pred = model(x)
        loss = loss_fn(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
