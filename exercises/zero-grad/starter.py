"""Mini-batch training of y' = a·x + b. Something is missing: find it and fix it."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    n_batches = len(X) // batch_size
    for epoch in range(epochs):
        for i in range(n_batches):
            X_batch = X[i * batch_size:(i + 1) * batch_size]
            Y_batch = Y[i * batch_size:(i + 1) * batch_size]

            Y_pred = model(X_batch)
            loss = loss_fn(Y_pred, Y_batch)

            loss.backward()
            optimizer.step()
