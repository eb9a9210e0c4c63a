# expect: mistake missing_factor_2
def gradients(a, b, x, y):
    r = a * x + b - y
    return (r * x).mean(), r.mean()


def sgd_step(a, b, x, y, lr):
    da, db = gradients(a, b, x, y)
    return a - lr * da, b - lr * db
