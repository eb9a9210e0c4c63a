# expect: mistake step_before_backward
"""Step before backward with zeroed (not None) gradients: the parameters never move."""


def train_step(model, x, y, loss_fn, optimizer):
    optimizer.zero_grad(set_to_none=False)
    loss = loss_fn(model(x), y)
    optimizer.step()
    loss.backward()
    return loss.item()
