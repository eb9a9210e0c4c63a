# expect: full
"""optimizer.step(closure): the closure clears, runs forward and loss, and calls backward."""


def train_step(model, x, y, loss_fn, optimizer):
    def closure():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    return loss.item()
