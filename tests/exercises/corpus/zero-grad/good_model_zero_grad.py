# expect: full
"""model.zero_grad() clears the same parameters the optimizer holds."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    n_batches = len(X) // batch_size
    for epoch in range(epochs):
        for i in range(n_batches):
            X_batch = X[i * batch_size:(i + 1) * batch_size]
            Y_batch = Y[i * batch_size:(i + 1) * batch_size]
            model.zero_grad()
            loss = loss_fn(model(X_batch), Y_batch)
            loss.backward()
            optimizer.step()
