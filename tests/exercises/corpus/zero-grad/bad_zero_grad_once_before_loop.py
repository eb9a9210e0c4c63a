# expect: mistake grads_accumulate
"""Clearing once before training does not stop the per-batch accumulation."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    n_batches = len(X) // batch_size
    optimizer.zero_grad()
    for epoch in range(epochs):
        for i in range(n_batches):
            X_batch = X[i * batch_size:(i + 1) * batch_size]
            Y_batch = Y[i * batch_size:(i + 1) * batch_size]
            loss = loss_fn(model(X_batch), Y_batch)
            loss.backward()
            optimizer.step()
