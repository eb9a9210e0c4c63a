# expect: mistake own_optimizer
import torch

LEARNING_RATE = 0.1


def train(model, x, y, loss_fn, optimizer, steps):
    sgd = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    for _ in range(steps):
        sgd.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        sgd.step()
