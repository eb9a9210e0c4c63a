"""Mini-batch epochs: train for `epochs` passes over (X, Y) in batches of `batch_size`."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    n_batches = len(X) // batch_size
    epoch_losses = []
    for epoch in range(epochs):
        batch_losses = []
        for batch_idx in range(n_batches):
            start_idx = batch_idx * batch_size
            end_idx = start_idx + batch_size
            X_batch = X[start_idx:end_idx]
            Y_batch = Y[start_idx:end_idx]

            Y_pred = model(X_batch)
            loss = loss_fn(Y_pred, Y_batch)

            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
        # TODO: the mean loss per sample over the whole epoch
        epoch_losses.append(sum(batch_losses) / len(batch_losses))
    return epoch_losses
