# expect: mistake epoch_loss_reevaluated
import torch


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    epoch_losses = []
    for epoch in range(epochs):
        for start in range(0, len(X), batch_size):
            loss = loss_fn(model(X[start:start + batch_size]), Y[start:start + batch_size])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            epoch_losses.append(loss_fn(model(X), Y).item())
    return epoch_losses
