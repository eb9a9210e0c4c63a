# expect: full
"""optimizer.step(closure) per batch; the closure clears, computes the loss and backward()."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    for _ in range(epochs):
        for X_batch, Y_batch in zip(X.split(batch_size), Y.split(batch_size)):
            def closure():
                optimizer.zero_grad()
                loss = loss_fn(model(X_batch), Y_batch)
                loss.backward()
                return loss
            optimizer.step(closure)
