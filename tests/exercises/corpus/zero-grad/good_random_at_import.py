# expect: full
import torch

NOISE = torch.randn(3)   # drawing random numbers at import must not change the exercise's data


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    for _ in range(epochs):
        for i in range(0, len(X), batch_size):
            optimizer.zero_grad()
            loss = loss_fn(model(X[i:i + batch_size]), Y[i:i + batch_size])
            loss.backward()
            optimizer.step()
