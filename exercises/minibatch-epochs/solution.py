"""Mini-batch epochs: the reference solution (never shown to students)."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    n = len(X)
    epoch_losses = []
    for epoch in range(epochs):
        total = 0.0
        for start in range(0, n, batch_size):
            X_batch = X[start:start + batch_size]
            Y_batch = Y[start:start + batch_size]
            loss = loss_fn(model(X_batch), Y_batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(X_batch)
        epoch_losses.append(total / n)
    return epoch_losses
