# expect: full
"""optimizer.step(closure), the target reshaped inside the closure with view_as."""


def train(model, x, y, loss_fn, optimizer, steps):
    for _ in range(steps):
        def closure():
            optimizer.zero_grad()
            pred = model(x)
            loss = loss_fn(pred, y.view_as(pred))
            loss.backward()
            return loss
        optimizer.step(closure)
