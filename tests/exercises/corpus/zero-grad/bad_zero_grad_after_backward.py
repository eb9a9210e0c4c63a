# expect: mistake zero_grad_after_backward
"""The article's prose order: backward, zero the gradients, step. step() finds nothing."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    n_batches = len(X) // batch_size
    for epoch in range(epochs):
        for i in range(n_batches):
            X_batch = X[i * batch_size:(i + 1) * batch_size]
            Y_batch = Y[i * batch_size:(i + 1) * batch_size]
            loss = loss_fn(model(X_batch), Y_batch)
            loss.backward()
            optimizer.zero_grad()
            optimizer.step()
