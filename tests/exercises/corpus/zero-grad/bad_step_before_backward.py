# expect: mistake step_before_backward
"""step() before backward(), after clearing: every step finds no gradient."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    for epoch in range(epochs):
        for i in range(0, len(X), batch_size):
            optimizer.zero_grad()
            loss = loss_fn(model(X[i:i + batch_size]), Y[i:i + batch_size])
            optimizer.step()
            loss.backward()
