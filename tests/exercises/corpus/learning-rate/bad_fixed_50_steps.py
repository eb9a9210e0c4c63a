# expect: mistake wrong_step_count
"""50 steps written into the loop: right on seed 42, wrong wherever `steps` differs."""
LEARNING_RATE = 0.1


def train(model, x, y, loss_fn, optimizer, steps):
    for _ in range(50):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
