# expect: full
import math


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    n_batches = math.ceil(len(X) / batch_size)
    epoch_losses = []
    for epoch in range(epochs):
        sample_losses = 0.0
        for batch_idx in range(n_batches):
            start_idx = batch_idx * batch_size
            end_idx = min(start_idx + batch_size, len(X))
            X_batch = X[start_idx:end_idx]
            Y_batch = Y[start_idx:end_idx]

            Y_pred = model(X_batch)
            loss = loss_fn(Y_pred, Y_batch)

            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            sample_losses += loss.item() * (end_idx - start_idx)
        epoch_losses.append(sample_losses / len(X))
    return epoch_losses
