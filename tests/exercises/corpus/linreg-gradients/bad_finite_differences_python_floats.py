# expect: mistake finite_differences
# central differences in Python floats, no tensor operation at all
def loss(a, b, x, y):
    return sum((a * xi + b - yi) ** 2 for xi, yi in zip(x, y)) / len(x)


def gradients(a, b, x, y):
    a, b, x, y = float(a), float(b), x.tolist(), y.tolist()
    h = 1e-5
    da = (loss(a + h, b, x, y) - loss(a - h, b, x, y)) / (2 * h)
    db = (loss(a, b + h, x, y) - loss(a, b - h, x, y)) / (2 * h)
    return da, db


def sgd_step(a, b, x, y, lr):
    da, db = gradients(a, b, x, y)
    return a - lr * da, b - lr * db
