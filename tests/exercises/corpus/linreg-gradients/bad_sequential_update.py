# expect: mistake sequential_update
def gradients(a, b, x, y):
    r = a * x + b - y
    return 2 * (r * x).mean(), 2 * r.mean()


def sgd_step(a, b, x, y, lr):
    da, _ = gradients(a, b, x, y)
    a = a - lr * da
    _, db = gradients(a, b, x, y)   # uses the already-updated a
    b = b - lr * db
    return a, b
