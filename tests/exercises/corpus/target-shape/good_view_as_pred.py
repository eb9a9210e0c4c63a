# expect: full
import torch


def train(model, x, y, loss_fn, optimizer, steps):
    for _ in range(steps):
        pred = model(x)
        loss = loss_fn(pred, torch.unsqueeze(y, -1).view_as(pred))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
