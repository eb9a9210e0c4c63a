# expect: mistake target_wrong_axis
def train(model, x, y, loss_fn, optimizer, steps):
    y = y.unsqueeze(0)
    for _ in range(steps):
        pred = model(x)
        loss = loss_fn(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
