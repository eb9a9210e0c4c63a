# expect: full
"""Clearing at the end of each iteration: the next backward() starts from nothing."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    n_batches = len(X) // batch_size
    for epoch in range(epochs):
        for i in range(n_batches):
            X_batch = X[i * batch_size:(i + 1) * batch_size]
            Y_batch = Y[i * batch_size:(i + 1) * batch_size]
            loss = loss_fn(model(X_batch), Y_batch)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
