# expect: full
"""A rate written as a fraction; gradients zeroed in place under no_grad at the end of a step."""
import torch

LEARNING_RATE = 1 / 8


def train(model, x, y, loss_fn, optimizer, steps):
    for step in range(steps):
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            for p in model.parameters():
                p.grad.zero_()
