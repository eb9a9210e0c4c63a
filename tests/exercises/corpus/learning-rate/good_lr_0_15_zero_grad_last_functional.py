# expect: full
import torch.nn.functional as F

LEARNING_RATE = 1.5e-1


def train(model, x, y, loss_fn, optimizer, steps):
    for _ in range(steps):
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
