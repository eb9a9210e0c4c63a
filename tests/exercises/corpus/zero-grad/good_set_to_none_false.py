# expect: full
"""zero_grad(set_to_none=False) fills the gradients with zeros instead of dropping them."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    for epoch in range(epochs):
        for start in range(0, len(X), batch_size):
            X_batch, Y_batch = X[start:start + batch_size], Y[start:start + batch_size]
            optimizer.zero_grad(set_to_none=False)
            loss = loss_fn(model(X_batch), Y_batch)
            loss.backward()
            optimizer.step()
