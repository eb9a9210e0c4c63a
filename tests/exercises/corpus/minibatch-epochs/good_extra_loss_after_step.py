# expect: full
"""Recomputes each batch's loss after the step for a print; the epoch loss uses the first one."""
import torch


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    history = []
    for _ in range(epochs):
        total = 0.0
        for i in range(0, len(X), batch_size):
            xb, yb = X[i:i + batch_size], Y[i:i + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                print("after step", loss_fn(model(xb), yb).item())
            total += loss.item() * len(xb)
        history.append(total / len(X))
    return history
