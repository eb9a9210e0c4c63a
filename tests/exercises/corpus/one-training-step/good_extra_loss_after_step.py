# expect: full
"""An extra loss_fn call under no_grad after the update, only to print progress."""
import torch


def train_step(model, x, y, loss_fn, optimizer):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        after = loss_fn(model(x), y)
    print(f"loss {loss.item():.4f} -> {after.item():.4f}")
    return loss.item()
