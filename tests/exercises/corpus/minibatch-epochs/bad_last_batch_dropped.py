# expect: mistake last_batch_dropped
def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    n_batches = len(X) // batch_size
    epoch_losses = []
    for epoch in range(epochs):
        total = 0.0
        for batch_idx in range(n_batches):
            X_batch = X[batch_idx * batch_size:(batch_idx + 1) * batch_size]
            Y_batch = Y[batch_idx * batch_size:(batch_idx + 1) * batch_size]
            loss = loss_fn(model(X_batch), Y_batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(X_batch)
        epoch_losses.append(total / len(X))
    return epoch_losses
