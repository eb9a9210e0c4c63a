# expect: full
import torch
import torch.nn.functional as F


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    """Logs the epoch loss as a sum of squared errors over the samples, divided by N."""
    per_epoch = []
    for epoch in range(epochs):
        squared_errors = 0.0
        start = 0
        while start < len(X):
            xb, yb = X[start:start + batch_size], Y[start:start + batch_size]
            optimizer.zero_grad(set_to_none=False)
            pred = model(xb)
            loss = loss_fn(pred, yb)
            with torch.no_grad():
                squared_errors += F.mse_loss(pred, yb, reduction="sum").item()
            loss.backward()
            optimizer.step()
            start += batch_size
        per_epoch.append(squared_errors / len(X))
        print(f"epoch {epoch + 1}: loss {per_epoch[-1]:.4f}")
    return per_epoch
