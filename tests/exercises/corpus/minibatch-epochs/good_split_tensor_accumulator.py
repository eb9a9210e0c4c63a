# expect: full
import torch


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    results = []
    for epoch in range(epochs):
        total = torch.zeros(())
        for xb, yb in zip(torch.split(X, batch_size), torch.split(Y, batch_size)):
            pred = model(xb)
            loss = loss_fn(pred, yb)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            total = total + loss.detach() * xb.shape[0]
        results.append(total / X.shape[0])
    return results
