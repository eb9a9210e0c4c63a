# expect: mistake epoch_loss_batch_mean
from torch.utils.data import DataLoader, TensorDataset


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    loader = DataLoader(TensorDataset(X, Y), batch_size=batch_size, shuffle=False)
    epoch_losses = []
    for epoch in range(epochs):
        batch_losses = []
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
        epoch_losses.append(sum(batch_losses) / len(batch_losses))
    return epoch_losses
