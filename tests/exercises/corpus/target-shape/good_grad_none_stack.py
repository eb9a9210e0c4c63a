# expect: full
"""torch.stack([y], dim=1) makes the column; p.grad = None clears the gradients."""
import torch


def train(model, x, y, loss_fn, optimizer, steps):
    target = torch.stack([y], dim=1)
    for step in range(steps):
        for p in model.parameters():
            p.grad = None
        loss = loss_fn(model(x), target)
        loss.backward()
        optimizer.step()
