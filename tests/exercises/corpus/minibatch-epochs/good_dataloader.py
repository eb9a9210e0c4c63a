# expect: full
from torch.utils.data import DataLoader, TensorDataset


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    loader = DataLoader(TensorDataset(X, Y), batch_size=batch_size, shuffle=False)
    history = []
    for epoch in range(epochs):
        running_loss = 0.0
        for inputs, labels in loader:
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = loss_fn(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item() * inputs.size(0)
        history.append(running_loss / len(loader.dataset))
    return history
