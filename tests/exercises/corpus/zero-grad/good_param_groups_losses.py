# expect: full
"""Clearing through the optimizer's param_groups, returning the losses, zero_grad first."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    losses = []
    for epoch in range(epochs):
        for X_batch, Y_batch in zip(X.split(batch_size), Y.split(batch_size)):
            for group in optimizer.param_groups:
                for p in group["params"]:
                    p.grad = None
            Y_pred = model(X_batch)
            loss = loss_fn(Y_pred, Y_batch)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses
