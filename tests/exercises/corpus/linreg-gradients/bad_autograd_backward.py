# expect: mistake uses_autograd
def gradients(a, b, x, y):
    a = a.clone().requires_grad_(True)
    b = b.clone().requires_grad_(True)
    loss = ((a * x + b - y) ** 2).mean()
    loss.backward()
    return a.grad, b.grad


def sgd_step(a, b, x, y, lr):
    da, db = gradients(a, b, x, y)
    return a - lr * da, b - lr * db
