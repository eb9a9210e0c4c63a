# expect: mistake wrong_batch_size
"""Right on the article's data, but the batch size 2 is written into the loop."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    out = []
    for _ in range(epochs):
        total = 0.0
        for i in range(0, len(X), 2):
            optimizer.zero_grad()
            loss = loss_fn(model(X[i:i + 2]), Y[i:i + 2])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(X[i:i + 2])
        out.append(total / len(X))
    return out
