# expect: mistake sum_not_mean
def gradients(a, b, x, y):
    r = a * x + b - y
    return 2 * (r * x).sum(), 2 * r.sum()


def sgd_step(a, b, x, y, lr):
    da, db = gradients(a, b, x, y)
    return a - lr * da, b - lr * db
