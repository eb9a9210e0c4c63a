# expect: mistake target_shape_mismatch
def train(model, x, y, loss_fn, optimizer, steps):
    for _ in range(steps):
        optimizer.zero_grad()
        output = model(x)
        loss = loss_fn(output, y.float())
        loss.backward()
        optimizer.step()
