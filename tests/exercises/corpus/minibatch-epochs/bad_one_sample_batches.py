# expect: mistake wrong_batch_size
def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    epoch_losses = []
    for epoch in range(epochs):
        total = 0.0
        for x, y in zip(X, Y):
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        epoch_losses.append(total / len(X))
    return epoch_losses
