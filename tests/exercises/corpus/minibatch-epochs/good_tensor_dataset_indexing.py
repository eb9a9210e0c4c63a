# expect: full
from torch.utils.data import TensorDataset


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    dataset = TensorDataset(X, Y)
    losses = []
    for _ in range(epochs):
        total, seen = 0.0, 0
        for i in range(0, len(dataset), batch_size):
            xb, yb = dataset[i:i + batch_size]
            model.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
            seen += len(xb)
        losses.append(total / seen)
    return losses
