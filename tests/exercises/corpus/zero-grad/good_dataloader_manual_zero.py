# expect: full
"""A DataLoader without shuffling, and gradients zeroed in place under no_grad."""
import torch
from torch.utils.data import DataLoader, TensorDataset


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    loader = DataLoader(TensorDataset(X, Y), batch_size=batch_size, shuffle=False)
    for _ in range(epochs):
        for X_batch, Y_batch in loader:
            with torch.no_grad():
                for p in model.parameters():
                    if p.grad is not None:
                        p.grad.zero_()
            loss = loss_fn(model(X_batch), Y_batch)
            loss.backward()
            optimizer.step()
    return model
