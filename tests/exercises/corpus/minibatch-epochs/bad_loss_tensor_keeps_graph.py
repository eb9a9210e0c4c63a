# expect: mistake epoch_loss_keeps_graph
"""The epoch total adds the loss tensor itself (no .item()): the right numbers, but each
epoch's autograd graph stays alive inside the returned values."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    epoch_losses = []
    for epoch in range(epochs):
        total = 0.0
        for start in range(0, len(X), batch_size):
            X_batch, Y_batch = X[start:start + batch_size], Y[start:start + batch_size]
            loss = loss_fn(model(X_batch), Y_batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss * len(X_batch)
        epoch_losses.append(total / len(X))
    return epoch_losses
