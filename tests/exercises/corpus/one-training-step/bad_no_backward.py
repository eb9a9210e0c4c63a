# expect: mistake backward_missing
def train_step(model, x, y, loss_fn, optimizer):
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()
