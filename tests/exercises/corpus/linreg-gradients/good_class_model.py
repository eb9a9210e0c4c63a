# expect: full
# a small class holds the line; the functions delegate to it
class Line:
    def __init__(self, a, b):
        self.a, self.b = a, b

    def predict(self, x):
        return self.a * x + self.b

    def grad(self, x, y):
        err = self.predict(x) - y
        return (2 * err * x).mean(), (2 * err).mean()


def gradients(a, b, x, y):
    return Line(a, b).grad(x, y)


def sgd_step(a, b, x, y, lr):
    line = Line(a, b)
    ga, gb = line.grad(x, y)
    line.a, line.b = line.a - lr * ga, line.b - lr * gb
    return line.a, line.b
