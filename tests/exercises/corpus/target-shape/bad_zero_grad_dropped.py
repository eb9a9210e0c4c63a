# expect: mistake grads_accumulate
"""The shape is fixed, but zero_grad() went missing while editing the loop."""


def train(model, x, y, loss_fn, optimizer, steps):
    y = y.reshape(-1, 1)
    for _ in range(steps):
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
