# expect: full
"""optimizer.step(closure): the closure clears, computes the batch loss and calls backward."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    history = []
    for _ in range(epochs):
        total = 0.0
        for i in range(0, len(X), batch_size):
            xb, yb = X[i:i + batch_size], Y[i:i + batch_size]

            def closure():
                optimizer.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                return loss

            total += optimizer.step(closure).item() * len(xb)
        history.append(total / len(X))
    return history
