# expect: full
import torch

LEARNING_RATE = 0.24


def train(model, x, y, loss_fn, optimizer, steps):
    for group in optimizer.param_groups:
        assert group["lr"] == LEARNING_RATE
    model.train()
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        return loss_fn(model(x), y).item()
