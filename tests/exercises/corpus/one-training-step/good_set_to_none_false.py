# expect: full
import torch


def train_step(model, x, y, loss_fn, optimizer):
    optimizer.zero_grad(set_to_none=False)
    prediction = model.forward(x)
    loss = loss_fn(prediction, y)
    loss.backward()
    optimizer.step()
    return loss.detach().item()
