# expect: mistake batches_overlap
"""The slice start moves by 1 instead of batch_size: neighbouring batches share a sample."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    n_batches = len(X) // batch_size
    for epoch in range(epochs):
        for i in range(n_batches):
            X_batch, Y_batch = X[i:i + batch_size], Y[i:i + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(X_batch), Y_batch)
            loss.backward()
            optimizer.step()
