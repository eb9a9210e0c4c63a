# expect: mistake step_repeated
def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    for epoch in range(epochs):
        for i in range(0, len(X), batch_size):
            optimizer.zero_grad()
            loss = loss_fn(model(X[i:i + batch_size]), Y[i:i + batch_size])
            loss.backward()
            optimizer.step()
            optimizer.step()
