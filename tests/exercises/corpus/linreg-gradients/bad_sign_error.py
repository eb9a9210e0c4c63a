# expect: mistake sign_error
def gradients(a, b, x, y):
    error = y - (a * x + b)
    return 2 * (error * x).mean(), 2 * error.mean()


def sgd_step(a, b, x, y, lr):
    da, db = gradients(a, b, x, y)
    return a - lr * da, b - lr * db
