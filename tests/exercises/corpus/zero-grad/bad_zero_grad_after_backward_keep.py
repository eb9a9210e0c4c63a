# expect: mistake zero_grad_after_backward
"""Same misplaced clear with set_to_none=False: step() sees all-zero gradients."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    for epoch in range(epochs):
        for start in range(0, len(X), batch_size):
            loss = loss_fn(model(X[start:start + batch_size]), Y[start:start + batch_size])
            loss.backward()
            model.zero_grad(set_to_none=False)
            optimizer.step()
