# expect: mistake step_repeated
"""optimizer.step() twice per batch: each batch moves the parameters twice."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    history = []
    for _ in range(epochs):
        total = 0.0
        for i in range(0, len(X), batch_size):
            xb, yb = X[i:i + batch_size], Y[i:i + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            optimizer.step()
            total += loss.item() * len(xb)
        history.append(total / len(X))
    return history
