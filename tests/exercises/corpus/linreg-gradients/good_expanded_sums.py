# expect: full
def gradients(a, b, x, y):
    # L = a^2 mean(x^2) + 2ab mean(x) - 2a mean(xy) + b^2 - 2b mean(y) + mean(y^2)
    mx, mxx, mxy, my = x.mean(), (x * x).mean(), (x * y).mean(), y.mean()
    return 2 * (a * mxx + b * mx - mxy), 2 * (a * mx + b - my)


def sgd_step(a, b, x, y, lr):
    da, db = gradients(a, b, x, y)
    a -= lr * da
    b -= lr * db
    return a, b
