# expect: mistake shuffled
from torch.utils.data import DataLoader, TensorDataset


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    loader = DataLoader(TensorDataset(X, Y), batch_size=batch_size, shuffle=True)
    epoch_losses = []
    for epoch in range(epochs):
        total = 0.0
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        epoch_losses.append(total / len(X))
    return epoch_losses
