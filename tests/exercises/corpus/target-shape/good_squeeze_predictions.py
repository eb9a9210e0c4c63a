# expect: full
def train(model, x, y, loss_fn, optimizer, steps):
    for _ in range(steps):
        pred = model(x).squeeze(1)
        loss = loss_fn(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
