# expect: mistake ignores_lr
def gradients(a, b, x, y):
    r = a * x + b - y
    return 2 * (r * x).mean(), 2 * r.mean()


def sgd_step(a, b, x, y, lr):
    da, db = gradients(a, b, x, y)
    return a - 0.1 * da, b - 0.1 * db
