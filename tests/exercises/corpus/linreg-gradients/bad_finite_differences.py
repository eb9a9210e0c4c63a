# expect: mistake finite_differences
# central differences on the tensors given (float32)
def gradients(a, b, x, y):
    h = 1e-3
    L = lambda a, b: ((a * x + b - y) ** 2).mean()
    return (L(a + h, b) - L(a - h, b)) / (2 * h), (L(a, b + h) - L(a, b - h)) / (2 * h)


def sgd_step(a, b, x, y, lr):
    da, db = gradients(a, b, x, y)
    return a - lr * da, b - lr * db
