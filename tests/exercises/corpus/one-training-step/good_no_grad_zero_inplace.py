# expect: full
"""Gradients zeroed in place, through the optimizer's param_groups, under no_grad."""
import torch


def train_step(model, x, y, loss_fn, optimizer):
    with torch.no_grad():
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad.zero_()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    value = loss.detach().cpu().item()
    return value
