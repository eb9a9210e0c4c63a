# expect: full
"""Setting every p.grad to None by hand, as zero_grad() does by default."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    n_batches = len(X) // batch_size
    for epoch in range(epochs):
        for i in range(n_batches):
            X_batch = X[i * batch_size:(i + 1) * batch_size]
            Y_batch = Y[i * batch_size:(i + 1) * batch_size]
            for p in model.parameters():
                p.grad = None
            loss = loss_fn(model(X_batch), Y_batch)
            loss.backward()
            optimizer.step()
