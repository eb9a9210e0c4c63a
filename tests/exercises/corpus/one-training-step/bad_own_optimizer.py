# expect: mistake own_optimizer
"""A fresh SGD in every call instead of the optimizer given."""
import torch


def train_step(model, x, y, loss_fn, optimizer):
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    loss = loss_fn(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()
