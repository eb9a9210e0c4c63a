# expect: full
"""Gradients cleared by hand: every parameter's .grad set to None before backward."""


def train_step(model, x, y, loss_fn, optimizer):
    for p in model.parameters():
        p.grad = None
    output = model(x)
    loss = loss_fn(output, y)
    loss.backward()
    optimizer.step()
    return float(loss.item())
