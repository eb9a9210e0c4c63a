# expect: mistake target_broadcast
def train(model, x, y, loss_fn, optimizer, steps):
    for _ in range(steps):
        y = y.unsqueeze(1)
        pred = model(x)
        loss = loss_fn(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
