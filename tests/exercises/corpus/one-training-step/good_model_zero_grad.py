# expect: full
def train_step(model, x, y, loss_fn, optimizer):
    pred = model(x)
    loss = loss_fn(pred, y)
    model.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
