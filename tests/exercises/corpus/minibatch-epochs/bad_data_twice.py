# expect: mistake data_twice_per_epoch
def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    epoch_losses = []
    for epoch in range(epochs):
        for start in range(0, len(X), batch_size):          # training pass
            loss = loss_fn(model(X[start:start + batch_size]), Y[start:start + batch_size])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        total = 0.0
        for start in range(0, len(X), batch_size):          # "measuring" pass, copied
            xb, yb = X[start:start + batch_size], Y[start:start + batch_size]
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        epoch_losses.append(total / len(X))
    return epoch_losses
