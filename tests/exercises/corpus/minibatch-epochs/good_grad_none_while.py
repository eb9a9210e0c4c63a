# expect: full
"""A while loop over start indices, p.grad = None to clear, the total kept as a tensor."""
import torch


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    result = []
    for _ in range(epochs):
        total = torch.zeros(())
        start = 0
        while start < len(X):
            xb, yb = X[start:start + batch_size], Y[start:start + batch_size]
            for p in model.parameters():
                p.grad = None
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.detach() * xb.shape[0]
            start += batch_size
        result.append((total / X.shape[0]).item())
    return result
