# expect: full
"""torch.split with enumerate, model.zero_grad(set_to_none=False), a weighted sum at the end."""
import torch


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    means = []
    for _ in range(epochs):
        pairs = []
        for i, (xb, yb) in enumerate(zip(torch.split(X, batch_size), torch.split(Y, batch_size))):
            model.zero_grad(set_to_none=False)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            pairs.append((loss.item(), len(xb)))
        means.append(sum(l * n for l, n in pairs) / sum(n for _, n in pairs))
    return means
