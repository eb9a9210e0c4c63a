# expect: full
LEARNING_RATE = 0.09


def train(model, x, y, loss_fn, optimizer, steps):
    for _ in range(steps):
        for p in model.parameters():
            p.grad = None
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        print(f"loss {loss.item():.4f}")
