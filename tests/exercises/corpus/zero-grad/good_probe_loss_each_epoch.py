# expect: full
"""A probe of the whole data's loss before each epoch, under no_grad, for a progress print."""
import torch


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    for epoch in range(epochs):
        with torch.no_grad():
            print("epoch", epoch, "loss", loss_fn(model(X), Y).item())
        for i in range(0, len(X), batch_size):
            optimizer.zero_grad()
            loss = loss_fn(model(X[i:i + batch_size]), Y[i:i + batch_size])
            loss.backward()
            optimizer.step()
