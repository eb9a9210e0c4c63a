# expect: full
def gradients(a, b, x, y):
    n = len(x)
    da = 0.0
    db = 0.0
    for xi, yi in zip(x.tolist(), y.tolist()):
        r = float(a) * xi + float(b) - yi
        da += 2 * r * xi / n
        db += 2 * r / n
    return da, db


def sgd_step(a, b, x, y, lr):
    da, db = gradients(a, b, x, y)
    new_a, new_b = float(a) - lr * da, float(b) - lr * db
    return new_a, new_b
