# expect: full
def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    losses = []
    n = len(X)
    for _ in range(epochs):
        total = 0.0
        for start in range(0, n, batch_size):
            xb, yb = X[start:start + batch_size], Y[start:start + batch_size]
            pred = model.forward(xb)
            loss = loss_fn(pred, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        losses.append(total / n)
    return losses
