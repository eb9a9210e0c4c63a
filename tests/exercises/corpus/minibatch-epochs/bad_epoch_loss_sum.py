# expect: mistake epoch_loss_sum
def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    epoch_losses = []
    for epoch in range(epochs):
        epoch_loss = 0.0
        for start in range(0, len(X), batch_size):
            loss = loss_fn(model(X[start:start + batch_size]), Y[start:start + batch_size])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item()
        epoch_losses.append(epoch_loss)
    return epoch_losses
