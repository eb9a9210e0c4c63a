# expect: full
"""range(0, len(X), batch_size) slicing, model.zero_grad(set_to_none=False), a while loop."""


def train(model, X, Y, loss_fn, optimizer, epochs, batch_size):
    epoch = 0
    while epoch < epochs:
        for start in range(0, len(X), batch_size):
            stop = start + batch_size
            model.zero_grad(set_to_none=False)
            prediction = model.forward(X[start:stop])
            loss_fn(prediction, Y[start:stop]).backward()
            optimizer.step()
        epoch += 1
