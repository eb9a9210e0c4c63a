# expect: mistake wrong_epoch_count
"""Trains right, but returns only the last epoch's loss, in a list."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    for _ in range(epochs):
        total = 0.0
        for i in range(0, len(X), batch_size):
            optimizer.zero_grad()
            loss = loss_fn(model(X[i:i + batch_size]), Y[i:i + batch_size])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(X[i:i + batch_size])
    return [total / len(X)]
