# expect: full
def train(model, x, y, loss_fn, optimizer, steps):
    target = y.reshape(len(y), 1)
    for step in range(steps):
        optimizer.zero_grad()
        pred = model(x)
        loss = loss_fn(pred, target)
        loss.backward()
        optimizer.step()
